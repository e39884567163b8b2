/**
 * The placeholders an e-mail template may use (DESIGN §16), declared once: the renderer fills
 * them, validation refuses any other name, docs/templates.md lists them (a unit test checks).
 * Each is filled escaped for HTML in the body and as plain text in the subject and text part.
 * `{{#name}}…{{/name}}` keeps what it encloses only when the value is not empty.
 */
export const PLACEHOLDERS = {
  url: ['the link that opens the invite', 'https://invites.example.com/i/Xk3…'],
  name: ['the recipient’s name, or empty', 'Ada'],
  greeting: ['a greeting with the name when known', 'Hi Ada,'],
  inviterName: ['who invites, or the locale’s “Someone”', 'Grace'],
  scopeText: ['what the invite is to', 'organization acme'],
  roleText: ['“ as ROLE”, or empty', ' as admin'],
  expiresText: ['when the invite expires, as a sentence', 'This invitation expires on 9 Dec 2026 UTC.'],
  subject: ['the rendered subject (in the body only)', 'Grace invited you to organization acme'],
  productName: ['branding: the product’s name', 'Herald'],
  primaryColor: ['branding: the colour of the button and accents', '#4338ca'],
  logoUrl: ['branding: the logo (https), or empty', 'https://example.com/logo.png'],
  footer: ['branding: a footer line, or empty', 'Acme Inc., 1 Main St'],
  supportUrl: ['branding: where to get help, or empty', 'https://example.com/help'],
  unsubscribeUrl: ['the one-click unsubscribe link', 'https://invites.example.com/u/Qm9…'],
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;
export type Values = Record<Placeholder, string>;

/** A template split once at its {{tags}}: even slots are text, odd slots are tags (name, #name, /name). */
export type Parts = string[];
export const split = (tpl: string): Parts => tpl.split(/\{\{([#/]?\w+)\}\}/);

/** The tags of a template that name no placeholder, and sections left open or closed unopened. */
export function problems(tpl: string): string[] {
  const parts = split(tpl);
  const out: string[] = [];
  const open: string[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const tag = parts[i];
    const name = tag.replace(/^[#/]/, '');
    if (!(name in PLACEHOLDERS)) out.push(`unknown placeholder {{${name}}}`);
    else if (tag.startsWith('#')) open.push(name);
    else if (tag.startsWith('/') && open.pop() !== name) out.push(`{{/${name}}} closes no {{#${name}}}`);
  }
  for (const name of open) out.push(`{{#${name}}} is never closed`);
  return out;
}

/**
 * Fills the tags with values; they are inserted, never re-scanned, so a value that looks like
 * {{placeholder}} stays text. A section whose value is empty is left out.
 */
export function fill(parts: Parts, value: (name: string) => string): string {
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const tag = parts[i];
    if (tag.startsWith('#') && !value(tag.slice(1))) {
      while (i < parts.length && parts[i] !== `/${tag.slice(1)}`) i += 2;
      out += parts[i + 1] ?? '';
      continue;
    }
    out += (tag[0] === '#' || tag[0] === '/' ? '' : value(tag)) + parts[i + 1];
  }
  return out;
}
