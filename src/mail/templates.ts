import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mjml2html from 'mjml';
import { dateFormat, escapeHtml, pickLocale } from '../i18n.js';

export interface InviteMailData {
  inviterName: string | null;
  scope: { type: string; id: string } | null;
  role: string | null;
  url: string;
  expiresAt: number | null;
  locale: string;
  /** The recipient's name, for the greeting. */
  name?: string | null;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** A template split once at its {{placeholders}}: even slots are text, odd slots are names. */
type Parts = string[];
const split = (tpl: string): Parts => tpl.split(/\{\{(\w+)\}\}/);

// Values are inserted, never re-scanned, so one that looks like {{placeholder}} stays text.
function fill(parts: Parts, vars: Record<string, string>): string {
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) out += (vars[parts[i]] ?? '') + parts[i + 1];
  return out;
}

interface Kind {
  html: Parts;
  subject: Parts;
  text: Parts;
}
interface Locale {
  kinds: Record<string, Kind>;
  strings: Record<string, string>;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** One kind of e-mail in one locale (templates/LOCALE/KIND/): its MJML compiled once. */
async function compileKind(dir: string, name: string): Promise<Kind> {
  const read = (f: string) => readFile(join(dir, f), 'utf8');
  const { html, errors } = await mjml2html(await read('body.mjml'), {
    validationLevel: 'strict',
    ignoreIncludes: true,
  });
  if (errors.length)
    throw new Error(`${name}/body.mjml: ${errors.map((e) => e.formattedMessage).join('; ')}`);
  return {
    // Indentation is a quarter of MJML's output; every message would carry and encode it.
    html: split(html.replace(/\n[ \t]+/g, '\n')),
    subject: split((await read('subject.txt')).trim()),
    text: split(await read('text.txt')),
  };
}

export type Templates = ReturnType<typeof compiled>;

/**
 * Compiles every kind of e-mail in every locale once (templates/<locale>/<kind>/body.mjml,
 * subject.txt, text.txt; strings.json per locale). A new kind is a new folder; English is the
 * fallback and must have every kind. `render` then only fills in escaped values.
 */
export async function loadTemplates(dir: string) {
  const locales: Record<string, Locale> = {};
  for (const locale of await readdir(dir)) {
    if (!(await exists(join(dir, locale, 'strings.json')))) continue;
    const kinds: Record<string, Kind> = {};
    for (const kind of await readdir(join(dir, locale))) {
      if (await exists(join(dir, locale, kind, 'body.mjml'))) {
        kinds[kind] = await compileKind(join(dir, locale, kind), `templates/${locale}/${kind}`);
      }
    }
    locales[locale] = {
      kinds,
      strings: JSON.parse(await readFile(join(dir, locale, 'strings.json'), 'utf8')),
    };
  }
  if (!locales.en?.kinds.invite)
    throw new Error('templates/en/invite is required: English is the fallback locale');
  return compiled(locales);
}

function compiled(locales: Record<string, Locale>) {
  return {
    locales: Object.keys(locales),
    kinds: Object.keys(locales.en.kinds),
    render(kind: string, d: InviteMailData): RenderedMail {
      const lang = pickLocale((l) => !!locales[l]?.kinds[kind], d.locale);
      const t = locales[lang] ?? locales.en;
      const k = t.kinds[kind] ?? locales.en.kinds[kind];
      if (!k) throw new Error(`no template for e-mails of kind "${kind}"`);
      const date = d.expiresAt === null ? null : dateFormat(d.locale).format(d.expiresAt) + ' UTC';
      const vars: Record<string, string> = {
        inviterName: d.inviterName ?? t.strings.someone,
        scopeText: d.scope ? `${d.scope.type} ${d.scope.id}` : t.strings.anywhere,
        roleText: d.role ? t.strings.role.replace('{role}', d.role) : '',
        url: d.url,
        expiresText: date ? t.strings.expires.replace('{date}', date) : t.strings.never,
        greeting: d.name ? t.strings.greeting.replace('{name}', d.name) : t.strings.greetingAnonymous,
      };
      const subject = fill(k.subject, vars);
      const escaped: Record<string, string> = { subject: escapeHtml(subject) };
      for (const key in vars) escaped[key] = escapeHtml(vars[key]);
      return { subject, html: fill(k.html, escaped), text: fill(k.text, vars) };
    },
  };
}
