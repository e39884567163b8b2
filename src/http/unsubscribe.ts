import type { FastifyPluginAsync } from 'fastify';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { brandValues } from '../branding/branding.js';
import type { BrandingStore } from '../branding/store.js';
import type { Suppressions } from '../suppressions/suppressions.js';
import type { UnsubscribeTokens } from '../suppressions/unsubscribe.js';
import { htmlPage, pageCsp, pageHeaders } from './page.js';

const params = z.strictObject({ token: z.string().min(1).max(1000) });

/**
 * One-click unsubscribe (RFC 8058). POST /u/:token is what a mail client sends (no Origin, no
 * cookies; the token is the authority) and suppresses the address; GET shows a button that
 * posts, and changes nothing, since mail scanners open links. The page wears the branding of the
 * tenant that sent the message (DESIGN §16), as the landing page does.
 */
export const unsubscribeRoutes: FastifyPluginAsync<{
  suppressions: Suppressions;
  tokens: UnsubscribeTokens;
  rateLimit: object;
  branding: BrandingStore;
}> = async (app, d) => {
  // RFC 8058 lets clients post multipart/form-data; its body (List-Unsubscribe=One-Click) is not needed.
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_r, _b, done) => done(null, undefined),
  );
  const config = { rateLimit: d.rateLimit };
  const schema = { hide: true, params };
  const show = async (
    reply: import('fastify').FastifyReply,
    status: number,
    title: string,
    body: string,
    state: string,
    tenant: string | null = null,
  ) => {
    const brand = tenant ? brandValues(await d.branding.get(tenant)) : undefined;
    const nonce = randomBytes(16).toString('base64');
    return reply
      .code(status)
      .headers(pageHeaders(pageCsp(nonce, brand?.logoUrl || null, "'self'")))
      .send(htmlPage({ lang: 'en', title, state, icon: status === 200 ? '✉️' : '❔', body, brand, nonce }));
  };
  const unknown = (reply: import('fastify').FastifyReply) =>
    show(
      reply,
      404,
      'This unsubscribe link is not valid',
      '<p>Check that the whole link was copied.</p>',
      'unknown',
    );

  app.get<{ Params: { token: string } }>('/u/:token', { config, schema }, async (req, reply) => {
    const named = d.tokens.read(req.params.token);
    if (!named) return unknown(reply);
    return show(
      reply,
      200,
      'Stop invitation e-mails?',
      `<p>Press the button and this address will get no more invitations from us.</p>
    <form method="post"><button type="submit">Unsubscribe</button></form>`,
      'pending',
      named.tenant,
    );
  });

  app.post<{ Params: { token: string } }>('/u/:token', { config, schema }, async (req, reply) => {
    const named = d.tokens.read(req.params.token);
    if (!named) return unknown(reply);
    await d.suppressions.unsubscribe(named.tenant, named.address);
    return show(
      reply,
      200,
      'You are unsubscribed',
      '<p>This address will get no more invitations from us.</p>',
      'accepted',
      named.tenant,
    );
  });
};
