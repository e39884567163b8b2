import { escapeHtml as esc } from '../i18n.js';

export { esc };

/** Strict CSP for console pages: our stylesheet only; no script at all; frames only our own (template previews). */
export const CONSOLE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const NAV = [
  ['/console', 'Overview'],
  ['/console/batches', 'Batches'],
  ['/console/invites', 'Invites'],
  ['/console/approvals', 'Approvals'],
  ['/console/policy', 'Policy'],
  ['/console/branding', 'Branding'],
  ['/console/templates', 'Templates'],
  ['/console/suppressions', 'Suppressions'],
  ['/console/webhooks', 'Webhooks'],
  ['/console/queues', 'Queues'],
];

/** A console page: navigation, sign-out, and `body` (trusted HTML built with esc()). */
export function consolePage(
  title: string,
  body: string,
  o: {
    signedIn?: boolean;
    refreshSeconds?: number;
    /** The tenant shown, and the ones an operator may switch to (null: a tenant key's session). */
    tenant?: string;
    tenants?: string[] | null;
  } = {},
) {
  let switcher = o.tenant ? `<span class="tenant">Tenant <strong>${esc(o.tenant)}</strong></span>` : '';
  if (o.tenants)
    switcher = `<form method="post" action="/console/tenant" class="inline tenant"><label for="tenant">Tenant</label>
  <select id="tenant" name="tenant">${o.tenants.map((t) => `<option${t === o.tenant ? ' selected' : ''}>${esc(t)}</option>`).join('')}</select>
  <button type="submit" class="link">Switch</button></form>`;
  const nav = o.signedIn
    ? `<nav aria-label="Console">${NAV.map(([href, label]) => `<a href="${href}">${label}</a>`).join('')}
  ${switcher}
  <form method="post" action="/console/sign-out" class="inline"><button type="submit" class="link">Sign out</button></form></nav>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${o.refreshSeconds ? `<meta http-equiv="refresh" content="${o.refreshSeconds}">` : ''}
<title>${esc(title)} · Herald console</title>
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<header><strong>Herald</strong> console</header>
${nav}
<main>
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>`;
}

/** A table from rows of trusted cells. */
export const table = (head: string[], rows: string[][]) =>
  `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

/** A bar chart as server-rendered SVG (one bar per label), with the numbers written out for screen readers. */
export function barChart(title: string, bars: { label: string; value: number }[], width = 640) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowH = 28;
  const h = bars.length * rowH;
  const labelW = 110;
  const rows = bars
    .map((b, i) => {
      const w = Math.round(((width - labelW - 60) * b.value) / max);
      const y = i * rowH;
      return `<text x="0" y="${y + 18}" class="label">${esc(b.label)}</text>
<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 10}" class="bar"/>
<text x="${labelW + w + 6}" y="${y + 18}" class="value">${b.value}</text>`;
    })
    .join('\n');
  return `<figure><figcaption>${esc(title)}</figcaption>
<svg role="img" aria-label="${esc(title)}: ${esc(bars.map((b) => `${b.label} ${b.value}`).join(', '))}" viewBox="0 0 ${width} ${h}" width="100%">${rows}</svg></figure>`;
}

/** Grouped columns per day (sent, opened, accepted) as server-rendered SVG. */
export function dayChart(title: string, days: { day: string; values: number[] }[], series: string[]) {
  const max = Math.max(1, ...days.flatMap((d) => d.values));
  const colW = 18;
  const groupW = colW * series.length + 10;
  const h = 160;
  const cols = days
    .map((d, i) =>
      d.values
        .map((v, j) => {
          const bh = Math.round(((h - 20) * v) / max);
          return `<rect x="${i * groupW + j * colW}" y="${h - 20 - bh}" width="${colW - 2}" height="${bh}" class="s${j}"><title>${esc(`${d.day} ${series[j]}: ${v}`)}</title></rect>`;
        })
        .join(''),
    )
    .join('\n');
  const legend = series.map((s, j) => `<span class="key s${j}">${esc(s)}</span>`).join(' ');
  return `<figure><figcaption>${esc(title)} ${legend}</figcaption>
<svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${Math.max(groupW * days.length, 10)} ${h}" width="100%" preserveAspectRatio="none">${cols}</svg></figure>`;
}
