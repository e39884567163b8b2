import { escapeHtml as esc } from '../i18n.js';

/** The frame every server-rendered page shares (landing, unsubscribe); `body` is trusted HTML. */
export function htmlPage(o: {
  lang: string;
  title: string;
  state: string;
  icon: string;
  body: string;
  /** Link-preview tags: og:* as property, the rest (twitter:*) as name. */
  meta?: Record<string, string>;
}): string {
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
<title>${esc(o.title)} · Herald</title>
<link rel="stylesheet" href="/assets/herald.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<main>
  <div class="brand">Herald</div>
  <section class="card" data-state="${esc(o.state)}">
    <div class="state" aria-hidden="true">${o.icon}</div>
    <h1>${esc(o.title)}</h1>
    ${o.body}
  </section>
</main>
</body>
</html>`;
}

/** Headers for every page: a strict CSP, no caching, no referrer, no framing. */
export const pageHeaders = (csp: string) => ({
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': csp,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});
