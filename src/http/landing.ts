import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { HeraldError } from '../errors.js';
import { effectiveStatus, type InviteDoc } from '../invites/invite.js';
import type { Queries } from '../invites/queries.js';
import type { Service } from '../invites/service.js';
import { email as emailSchema } from '../invites/inputs.js';
import { dateFormat, escapeHtml as esc, pickLocale } from '../i18n.js';
import { htmlPage, pageCsp, pageHeaders } from './page.js';
import { randomBytes } from 'node:crypto';
import { brandValues } from '../branding/branding.js';
import type { BrandingStore } from '../branding/store.js';
import { HERALD_BRAND } from '../mail/templates.js';

/** The page for each reason the Accept button can be refused. */
const REFUSAL_PAGE: Record<string, PageState> = {
  invite_expired: 'expired',
  invite_canceled: 'canceled',
  invite_not_found: 'unknown',
  domain_not_allowed: 'restricted',
};

export interface LandingDeps {
  queries: Queries;
  service: Service;
  publicUrl: string;
  rateLimit: object;
  redirectAllowlist: string[];
  clock: Clock;
  branding: BrandingStore;
  templatesDir?: string;
}

type Strings = Record<string, string>;
type PageState =
  | 'pending'
  | 'expired'
  | 'canceled'
  | 'used'
  | 'unknown'
  | 'accepted'
  | 'forbidden'
  | 'declined'
  | 'restricted';
const STATUS: Record<PageState, number> = {
  pending: 200,
  accepted: 200,
  expired: 410,
  canceled: 410,
  used: 410,
  unknown: 404,
  forbidden: 403,
  declined: 200,
  restricted: 403,
};
const ICON: Record<PageState, string> = {
  pending: '✉️',
  accepted: '✅',
  expired: '⌛',
  canceled: '🚫',
  used: '🔒',
  unknown: '❔',
  forbidden: '⛔',
  declined: '👋',
  restricted: '🏢',
};

const params = z.strictObject({ code: z.string().min(1).max(200) });

/** The recipient's pages: GET/HEAD only read; the button's POST is the one thing that accepts. */
export const landingRoutes: FastifyPluginAsync<LandingDeps> = async (app, d) => {
  const dir = d.templatesDir ?? new URL('../../templates', import.meta.url).pathname;
  const locales: Record<string, Strings> = {};
  for (const l of readdirSync(dir)) {
    const f = join(dir, l, 'page.json');
    if (existsSync(f)) locales[l] = JSON.parse(readFileSync(f, 'utf8'));
  }
  const css = readFileSync(join(dir, 'page', 'herald.css'), 'utf8');
  const icon = readFileSync(join(dir, 'page', 'favicon.svg'), 'utf8');
  const pick = (locale: string) => pickLocale((l) => !!locales[l], locale);
  const origin = new URL(d.publicUrl).origin;
  // Chrome applies form-action to the redirect after the POST too.
  const formAction = `'self' ${[...new Set([origin, ...d.redirectAllowlist])].join(' ')}`;

  /** The page of one state; `doc` names the tenant whose branding it wears (DESIGN §16). */
  async function page(
    reply: FastifyReply,
    state: PageState,
    locale: string,
    doc?: InviteDoc | null,
    code?: string,
  ) {
    const lang = pick(locale);
    const branding = doc ? await d.branding.get(doc.tenant) : null;
    const brand = { ...(branding ? brandValues(branding) : HERALD_BRAND) };
    const t = locales[lang];
    const inviter = doc?.inviter.name ?? t.someone;
    const scope = doc?.scope ? `${doc.scope.type} ${doc.scope.id}` : t.anywhere;
    let title: string;
    let body: string;
    if (state === 'pending' && doc && code) {
      const expires = doc.expiresAt === null ? t.never : dateFormat(lang).format(doc.expiresAt) + ' UTC';
      title = t.invited.replace('{inviter}', inviter).replace('{scope}', scope);
      body = `<dl>
        <dt>${esc(t.from)}</dt><dd>${esc(inviter)}</dd>
        <dt>${esc(t.scope)}</dt><dd>${esc(scope)}</dd>
        ${doc.role ? `<dt>${esc(t.role)}</dt><dd>${esc(doc.role)}</dd>` : ''}
        <dt>${esc(t.expires)}</dt><dd><time datetime="${doc.expiresAt === null ? '' : new Date(doc.expiresAt).toISOString()}">${esc(expires)}</time></dd>
      </dl>
      <div class="actions">
        <form method="post" action="/i/${encodeURIComponent(code)}/accept">
          ${
            // An open invite limited to the organisation's domains asks whose address accepts it.
            doc.restrictDomains && !doc.email
              ? `<p class="note">${esc(t.restrictedNote)}</p>
          <label for="email">${esc(t.restrictedEmail)}</label>
          <input id="email" name="email" type="email" autocomplete="email" required maxlength="254">`
              : ''
          }
          <button type="submit">${esc(t.accept)}</button>
        </form>
        <form method="post" action="/i/${encodeURIComponent(code)}/decline">
          <button type="submit" class="secondary">${esc(t.decline)}</button>
        </form>
      </div>
      <p class="muted note">${esc(t.ignore)}</p>`;
    } else {
      title = t[`${state}Title`];
      body = `<p>${esc(t[`${state}Text`])}</p>`;
    }
    // Link previews (a pasted link unfurls): who invited to what, never the address; the code
    // appears only in the page's own URL.
    const meta =
      state === 'pending' && doc && code
        ? {
            'og:title': title,
            'og:description': [doc.role ? `${t.role}: ${doc.role}` : '', t.ignore]
              .filter(Boolean)
              .join(' · '),
            'og:type': 'website',
            'og:url': `${d.publicUrl}/i/${encodeURIComponent(code)}`,
            'twitter:card': 'summary',
          }
        : undefined;
    const nonce = randomBytes(16).toString('base64');
    const html = htmlPage({
      lang,
      title,
      state,
      icon: ICON[state],
      body,
      meta,
      brand,
      nonce,
      support: t.support,
    });
    return reply
      .code(STATUS[state])
      .headers(pageHeaders(pageCsp(nonce, brand.logoUrl || null, formAction)))
      .send(html);
  }

  const stateOf = (doc: InviteDoc | null): PageState => {
    if (!doc) return 'unknown';
    const s = effectiveStatus(doc, d.clock.now());
    // byCode opens no invite that waits for approval or was rejected.
    if (s === 'pending_approval' || s === 'rejected') return 'unknown';
    return s === 'accepted' ? 'used' : s;
  };
  const config = { rateLimit: d.rateLimit };
  const schema = { hide: true, params };

  app.get('/assets/herald.css', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .headers({
        'content-type': 'text/css; charset=utf-8',
        'cache-control': 'public, max-age=3600',
        'x-content-type-options': 'nosniff',
      })
      .send(css),
  );

  for (const url of ['/favicon.svg', '/favicon.ico']) {
    app.get(url, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .headers({
          'content-type': 'image/svg+xml',
          'cache-control': 'public, max-age=86400',
          'x-content-type-options': 'nosniff',
        })
        .send(icon),
    );
  }

  app.get<{ Params: { code: string } }>('/i/:code', { config, schema }, async (req, reply) => {
    const doc = await d.queries.byCode(req.params.code);
    // The first real view is recorded (DESIGN §13); HEAD (link checkers) is not a view.
    if (doc && req.method === 'GET') await d.service.opened(doc.id);
    return page(reply, stateOf(doc), doc?.locale ?? 'en', doc ?? undefined, req.params.code);
  });

  app.get<{ Params: { code: string } }>('/i/:code/qr.svg', { config, schema }, async (req, reply) => {
    const doc = await d.queries.byCode(req.params.code);
    if (!doc) return page(reply, 'unknown', 'en');
    const svg = await QRCode.toString(`${d.publicUrl}/i/${encodeURIComponent(req.params.code)}`, {
      type: 'svg',
      margin: 2,
      errorCorrectionLevel: 'M',
    });
    return reply
      .headers({
        'content-type': 'image/svg+xml',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      })
      .send(svg);
  });

  app.get<{ Params: { code: string } }>('/i/:code/done', { config, schema }, async (req, reply) => {
    const doc = await d.queries.byCode(req.params.code);
    const ok = doc !== null && doc.uses > 0;
    return page(reply, ok ? 'accepted' : stateOf(doc), doc?.locale ?? 'en', doc);
  });

  // The page's two buttons. Accepting redirects to the host app; declining shows its page.
  for (const action of ['accept', 'decline'] as const) {
    app.post<{ Params: { code: string }; Body: { email?: unknown } }>(
      `/i/:code/${action}`,
      { config, schema },
      async (req, reply) => {
        const code = req.params.code;
        if (!sameOrigin(req, origin)) return page(reply, 'forbidden', 'en');
        const doc = await d.queries.byCode(code);
        if (!doc) return page(reply, 'unknown', 'en');
        let result: 'accepted' | 'already' | 'declined';
        try {
          result =
            action === 'accept'
              ? await d.service.acceptAnonymous(doc, givenEmail(req.body?.email))
              : await d.service.declineByDoc(doc);
        } catch (err) {
          if (!(err instanceof HeraldError)) throw err;
          return page(reply, REFUSAL_PAGE[err.code] ?? 'used', doc.locale, doc);
        }
        if (result === 'declined') return page(reply, 'declined', doc.locale, doc);
        if (result === 'already') return page(reply, 'accepted', doc.locale, doc);
        const target = new URL(doc.redirectUrl ?? `${d.publicUrl}/i/${encodeURIComponent(code)}/done`);
        target.searchParams.set('code', code);
        target.searchParams.set('status', 'accepted');
        return reply
          .code(303)
          .headers({ location: target.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
          .send();
      },
    );
  }
};

/**
 * Refuses cross-site form posts. Browsers say where a request comes from in Sec-Fetch-Site;
 * with our Referrer-Policy: no-referrer they send `Origin: null`, so Origin and Referer are only
 * the fallback for clients that do not send Sec-Fetch-Site.
 */
function sameOrigin(req: FastifyRequest, origin: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const o = req.headers.origin;
  if (o !== undefined) return o === origin;
  const r = req.headers.referer;
  if (r === undefined) return true; // not a browser form post: nothing to forge
  try {
    return new URL(r).origin === origin;
  } catch {
    return false;
  }
}

/** The address typed on the page for a domain-restricted invite, when it looks like one. */
function givenEmail(v: unknown): string | undefined {
  return typeof v === 'string' && v.length <= 254 && emailSchema.safeParse(v.trim()).success
    ? v.trim()
    : undefined;
}
