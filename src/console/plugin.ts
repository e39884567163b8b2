import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { grants } from '../access/scopes.js';
import { TENANT_ID } from '../tenants/store.js';
import { pageHeaders } from '../http/page.js';
import { CONSOLE_CSP, consolePage, esc } from './html.js';
import { deliveryPages } from './pages-delivery.js';
import { invitePages } from './pages-invites.js';
import { approvalPages } from './pages-approvals.js';
import { policyPages } from './pages-policy.js';
import { overviewPage } from './pages-overview.js';
import { brandingPages } from './pages-branding.js';
import { templatePages } from './pages-templates.js';
import type { ConsoleDeps, Render } from './deps.js';
import { SESSION_MS, type Session } from './sessions.js';

const COOKIE = 'herald_console';

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: Session;
  }
}

/**
 * The operators' console under /console (DESIGN §13): server-rendered pages with no script,
 * signed in with an API key into a session cookie (HttpOnly, SameSite=Strict, Secure on https,
 * 12 h). Every request from another site is refused; every form posts to the same origin.
 */
export const consolePlugin: FastifyPluginAsync<ConsoleDeps> = async (app, d) => {
  await app.register(cookie);
  const origin = new URL(d.publicUrl).origin;
  const secure = d.publicUrl.startsWith('https:');
  const css = readFileSync(new URL('../../templates/page/console.css', import.meta.url), 'utf8');

  const send = (reply: FastifyReply, status: number, html: string) =>
    reply.code(status).headers(pageHeaders(CONSOLE_CSP)).send(html);
  const tenantKeyLives = async (s: Session) => {
    const rec = await d.keys.get(s.keyId);
    return (
      !!rec &&
      rec.tenant === s.tenant &&
      (rec.expiresAt === null || rec.expiresAt > Date.now()) &&
      (await d.tenants.exists(s.tenant))
    );
  };
  const render: Render = async (reply, title, body, o = {}) => {
    const s = reply.request.consoleSession;
    const tenants = s?.operator ? (await d.tenants.list()).map((t) => t.id) : null;
    return send(
      reply,
      o.status ?? 200,
      consolePage(title, body, { signedIn: true, tenant: s?.tenant, tenants, ...o }),
    );
  };

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
    const session = await d.sessions.get(req.cookies[COOKIE]);
    // A tenant key's session ends with the key (revoked or expired) or its tenant.
    if (session && !session.operator && !(await tenantKeyLives(session)))
      await d.sessions.end(req.cookies[COOKIE]);
    else if (session) req.consoleSession = session;
    if (!req.consoleSession) {
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
    const key = typeof req.body?.key === 'string' ? req.body.key : '';
    const p = key.length <= 512 ? await d.auth.principal(key).catch(() => null) : null;
    // A tenant key needs `*`: the console shows and changes everything of its tenant.
    if (!p || (!p.operator && !grants(p.scopes, '*'))) {
      await d.signInLimit.failed(req.ip);
      return send(reply, 401, signInForm('That is not a valid API key (a tenant key needs the scope *).'));
    }
    const token = await d.sessions.create({ keyId: p.keyId, operator: p.operator, tenant: p.tenant });
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

  // An operator switches tenants; every page then shows and changes that tenant's only.
  app.post<{ Body: { tenant?: string } }>(
    '/console/tenant',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = req.consoleSession!;
      const t = String(req.body?.tenant ?? '');
      if (!s.operator || !TENANT_ID.test(t) || !(await d.tenants.exists(t)))
        return render(reply, 'Refused', '<p>No such tenant, or this key may not switch.</p>', {
          status: 403,
        });
      await d.sessions.switchTenant(req.cookies[COOKIE]!, s, t);
      return reply.code(303).header('location', '/console').send();
    },
  );

  // An invite, batch or webhook endpoint of another tenant answers 404, as on the API.
  app.addHook('preHandler', async (req, reply) => {
    const id = (req.params as { id?: string } | undefined)?.id;
    const url = req.routeOptions.url ?? '';
    if (!id || !req.consoleSession) return;
    const ownerOf = async () => {
      if (url.startsWith('/console/webhooks/')) return d.endpoints.tenantOf(id);
      const found = url.includes('/batch') ? d.domain.bulk.batchOwner(id) : d.domain.service.get(id);
      return found.then(
        (o) => o.tenant,
        () => null,
      );
    };
    const owner = await ownerOf();
    if (owner !== null && owner !== req.consoleSession.tenant)
      return render(reply, 'Not found', '<p>No such page.</p>', { status: 404 });
  });

  const pages = { ...d, render, tenant: (req: FastifyRequest) => req.consoleSession!.tenant };
  await app.register(overviewPage, pages);
  await app.register(invitePages, pages);
  await app.register(approvalPages, pages);
  await app.register(policyPages, pages);
  await app.register(deliveryPages, pages);
  await app.register(brandingPages, pages);
  await app.register(templatePages, pages);
  if (d.queues) {
    const { mountQueueBoard } = await import('./queues.js');
    await mountQueueBoard(app, d.queues);
  }
};
