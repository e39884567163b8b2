import { escapeHtml as esc } from '../i18n.js';
import { HERALD_BRAND, type BrandValues } from '../mail/templates.js';

/** The frame every server-rendered page shares (landing, unsubscribe); `body` is trusted HTML. */
export function htmlPage(o: {
  lang: string;
  title: string;
  state: string;
  icon: string;
  body: string;
  /** Link-preview tags: og:* as property, the rest (twitter:*) as name. */
  meta?: Record<string, string>;
  /** A tenant's branding (DESIGN §16), with the CSP nonce its colour's <style> carries. */
  brand?: BrandValues;
  nonce?: string;
  /** The words of the support link. */
  support?: string;
}): string {
  const b = o.brand ?? HERALD_BRAND;
  // primaryColor is #rrggbb by validation; escaped all the same.
  const colour =
    o.nonce && b.primaryColor !== HERALD_BRAND.primaryColor
      ? `<style nonce="${esc(o.nonce)}">:root{--brand:${esc(b.primaryColor)}}</style>`
      : '';
  const logo = b.logoUrl ? `<img class="logo" src="${esc(b.logoUrl)}" alt="" height="32">` : '';
  const support = b.supportUrl
    ? `<p class="muted note support"><a href="${esc(b.supportUrl)}" rel="noopener noreferrer">${esc(o.support ?? 'Help')}</a></p>`
    : '';
  const footer = b.footer ? `<p class="muted note footer">${esc(b.footer)}</p>` : '';
  const meta = Object.entries(o.meta ?? {})
    .map(([k, v]) => `<meta ${k.startsWith('og:') ? 'property' : 'name'}="${esc(k)}" content="${esc(v)}">`)
    .join('\n');
  return `<!doctype html>
<html lang="${esc(o.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${meta}
<title>${esc(o.title)} · ${esc(b.productName)}</title>
<link rel="stylesheet" href="/assets/herald.css">
${colour}
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<main>
  <div class="brand">${logo}${esc(b.productName)}</div>
  <section class="card" data-state="${esc(o.state)}">
    <div class="state" aria-hidden="true">${o.icon}</div>
    <h1>${esc(o.title)}</h1>
    ${o.body}
  </section>
  ${support}${footer}
</main>
</body>
</html>`;
}

/** Headers for every page: a strict CSP, no caching, no referrer, no framing. */
/**
 * A page's CSP: a tenant's colour comes in a <style> with this response's nonce, and its logo's
 * origin is the one other place images may come from; `formAction` lists where forms may post.
 */
export const pageCsp = (nonce: string, logo: string | null, formAction: string) =>
  [
    "default-src 'none'",
    `style-src 'self' 'nonce-${nonce}'`,
    `img-src 'self' data:${logo ? ` ${new URL(logo).origin}` : ''}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action ${formAction}`,
  ].join('; ');

export const pageHeaders = (csp: string) => ({
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': csp,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});
