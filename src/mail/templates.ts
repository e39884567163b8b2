import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mjml2html from 'mjml';

export interface InviteMailData {
  inviterName: string | null;
  scope: { type: string; id: string } | null;
  role: string | null;
  url: string;
  expiresAt: number | null;
  locale: string;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

interface Compiled {
  html: Parts;
  subject: Parts;
  text: Parts;
  strings: Record<string, string>;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A template split once at its {{placeholders}}: even slots are text, odd slots are names. */
type Parts = string[];
const split = (tpl: string): Parts => tpl.split(/\{\{(\w+)\}\}/);

// Values are inserted, never re-scanned, so one that looks like {{placeholder}} stays text.
function fill(parts: Parts, vars: Record<string, string>): string {
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) out += (vars[parts[i]] ?? '') + parts[i + 1];
  return out;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** A cached long-date formatter; a tag Intl cannot use falls back to English. */
export function dateFormat(locale: string): Intl.DateTimeFormat {
  let f = formats.get(locale);
  if (!f) {
    const opts = { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' } as const;
    try {
      f = new Intl.DateTimeFormat(locale, opts);
    } catch {
      f = new Intl.DateTimeFormat('en', opts);
    }
    formats.set(locale, f);
  }
  return f;
}

export type Templates = ReturnType<typeof compiled>;

/** Compiles every locale's MJML once; `render` then only fills in escaped values. */
export async function loadTemplates(dir: string) {
  const locales: Record<string, Compiled> = {};
  for (const locale of await readdir(dir)) {
    if (!(await access(join(dir, locale, 'invite.mjml')).then(() => true, () => false))) continue;
    const read = (f: string) => readFile(join(dir, locale, f), 'utf8');
    const { html, errors } = await mjml2html(await read('invite.mjml'), { validationLevel: 'strict', ignoreIncludes: true });
    if (errors.length) throw new Error(`templates/${locale}/invite.mjml: ${errors.map((e) => e.formattedMessage).join('; ')}`);
    locales[locale] = {
      // Indentation is a quarter of MJML's output; every message would carry and encode it.
      html: split(html.replace(/\n[ \t]+/g, '\n')),
      subject: split((await read('subject.txt')).trim()),
      text: split(await read('text.txt')),
      strings: JSON.parse(await read('strings.json')),
    };
  }
  if (!locales.en) throw new Error('templates/en is required: it is the fallback locale');
  return compiled(locales);
}

function compiled(locales: Record<string, Compiled>) {
  /** pt-BR → pt-BR, then pt, then en. */
  const pick = (locale: string) => locales[locale] ?? locales[locale.split('-')[0]] ?? locales.en;
  return {
    locales: Object.keys(locales),
    render(d: InviteMailData): RenderedMail {
      const t = pick(d.locale);
      const date = d.expiresAt === null ? null : dateFormat(d.locale).format(d.expiresAt) + ' UTC';
      const vars: Record<string, string> = {
        inviterName: d.inviterName ?? t.strings.someone,
        scopeText: d.scope ? `${d.scope.type} ${d.scope.id}` : t.strings.anywhere,
        roleText: d.role ? t.strings.role.replace('{role}', d.role) : '',
        url: d.url,
        expiresText: date ? t.strings.expires.replace('{date}', date) : t.strings.never,
      };
      const subject = fill(t.subject, vars);
      const escaped: Record<string, string> = { subject: escapeHtml(subject) };
      for (const k in vars) escaped[k] = escapeHtml(vars[k]);
      return { subject, html: fill(t.html, escaped), text: fill(t.text, vars) };
    },
  };
}
