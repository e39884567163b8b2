import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { keyChecker } from '../access/auth.js';
import { pageHeaders } from '../http/page.js';
import { CONSOLE_CSP, consolePage, esc } from './html.js';
import { deliveryPages } from './pages-delivery.js';
import { invitePages } from './pages-invites.js';
import { approvalPages } from './pages-approvals.js';
import { policyPages } from './pages-policy.js';
import { overviewPage } from './pages-overview.js';
import type { ConsoleDeps, Render } from './deps.js';
import { SESSION_MS } from './sessions.js';

const COOKIE = 'herald_console';

/**
 * The operators' console under /console (DESIGN §13): server-rendered pages with no script,
 * signed in with an API key into a session cookie (HttpOnly, SameSite=Strict, Secure on https,
 * 12 h). Every request from another site is refused; every form posts to the same origin.
 */
export const consolePlugin: FastifyPluginAsync<ConsoleDeps> = async (app, d) => {
  await app.register(cookie);
  const checkKey = keyChecker(d.apiKeys);
  const origin = new URL(d.publicUrl).origin;
  const secure = d.publicUrl.startsWith('https:');
  const css = readFileSync(new URL('../../templates/page/console.css', import.meta.url), 'utf8');

  const send = (reply: FastifyReply, status: number, html: string) =>
    reply.code(status).headers(pageHeaders(CONSOLE_CSP)).send(html);
  const render: Render = (reply, title, body, o = {}) =>
    send(reply, o.status ?? 200, consolePage(title, body, { signedIn: true, ...o }));

  // Cross-site requests are refused whatever they are: a page of ours is never embedded, linked
  // into with side effects, or posted to from elsewhere. Browsers say Sec-Fetch-Site; clients
  // without it are judged by Origin on posts.
  app.addHook('onRequest', async (req, reply) => {
    const site = req.headers['sec-fetch-site'];
    const post = req.method !== 'GET' && req.method !== 'HEAD';
    const crossSite =
      (site !== undefined && site !== 'same-origin' && !(site === 'none' && !post)) ||
      (post && site === undefined && req.headers.origin !== undefined && req.headers.origin !== origin);
    if (crossSite)
      return send(reply, 403, consolePage('Refused', '<p>Requests from other sites are refused.</p>'));
    if (req.url.startsWith('/console/sign-in') || req.url.startsWith('/console/assets/')) return;
    if (!(await d.sessions.valid(req.cookies[COOKIE]))) {
      if (post)
        return send(
          reply,
          401,
          consolePage(
            'Signed out',
            '<p>Your session has ended. <a href="/console/sign-in">Sign in</a> again.</p>',
          ),
        );
      return reply.code(303).header('location', '/console/sign-in').send();
    }
  });

  app.get('/console/assets/console.css', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .headers({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' })
      .send(css),
  );

  const signInForm = (error = '') =>
    consolePage(
      'Sign in',
      `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/console/sign-in" class="card">
  <label for="key">API key</label>
  <input id="key" name="key" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
<p class="muted">The key is checked once; the browser then holds only a session cookie for 12 hours at most.</p>`,
    );
  app.get('/console/sign-in', { schema: { hide: true } }, async (_req, reply) =>
    send(reply, 200, signInForm()),
  );
  app.post<{ Body: { key?: string } }>('/console/sign-in', { schema: { hide: true } }, async (req, reply) => {
    const wait = await d.signInLimit.waitMs(req.ip);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      reply.header('retry-after', String(seconds));
      return send(reply, 429, signInForm(`Too many failed sign-ins; try again in ${seconds} s.`));
    }
    const keyId = typeof req.body?.key === 'string' ? checkKey(req.body.key) : null;
    if (!keyId) {
      await d.signInLimit.failed(req.ip);
      return send(reply, 401, signInForm('That is not a valid API key.'));
    }
    const token = await d.sessions.create(keyId);
    reply.setCookie(COOKIE, token, {
      path: '/console',
      httpOnly: true,
      sameSite: 'strict',
      secure,
      maxAge: SESSION_MS / 1000,
    });
    return reply.code(303).header('location', '/console').send();
  });
  app.post('/console/sign-out', { schema: { hide: true } }, async (req: FastifyRequest, reply) => {
    await d.sessions.end(req.cookies[COOKIE]);
    reply.clearCookie(COOKIE, { path: '/console' });
    return reply.code(303).header('location', '/console/sign-in').send();
  });

  const pages = { ...d, render };
  await app.register(overviewPage, pages);
  await app.register(invitePages, pages);
  await app.register(approvalPages, pages);
  await app.register(policyPages, pages);
  await app.register(deliveryPages, pages);
  if (d.queues) {
    const { mountQueueBoard } = await import('./queues.js');
    await mountQueueBoard(app, d.queues);
  }
};
