import { createHash } from 'node:crypto';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dateFormat, escapeHtml, pickLocale } from '../i18n.js';
import { compileTemplate, type Compiled, type TemplateSource } from './compile.js';
import { fill, type Values } from './placeholders.js';

export interface InviteMailData {
  inviterName: string | null;
  scope: { type: string; id: string } | null;
  role: string | null;
  url: string;
  expiresAt: number | null;
  locale: string;
  /** The recipient's name, for the greeting. */
  name?: string | null;
  unsubscribeUrl?: string;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** The branding placeholders' values (src/branding fills them per tenant). */
export type BrandValues = Pick<Values, 'productName' | 'primaryColor' | 'logoUrl' | 'footer' | 'supportUrl'>;
export const HERALD_BRAND: BrandValues = {
  productName: 'Herald',
  primaryColor: '#4338ca',
  logoUrl: '',
  footer: '',
  supportUrl: '',
};

/** How one message looks beyond its invite: a tenant's branding and published template. */
export interface Look {
  brand: BrandValues;
  /** A published version to use instead of the files (version 0). */
  compiled?: Compiled | null;
}

interface Locale {
  kinds: Record<string, { source: TemplateSource; compiled: Compiled }>;
  strings: Record<string, string>;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/**
 * The files compiled by `npm run build` (dist/templates.compiled.json), each with a digest of its
 * source: a process that finds them unchanged loads no MJML (56 MB of a worker's memory) unless
 * a tenant's own template needs compiling. Run from src/ there is none, and the files compile.
 */
export const PRECOMPILED = fileURLToPath(new URL('../templates.compiled.json', import.meta.url));
type Precompiled = Record<string, { digest: string; compiled: Compiled }>;

/** One kind of e-mail in one locale (templates/LOCALE/KIND/): validated and compiled once. */
async function compileKind(dir: string, name: string, pre: Precompiled, out: Precompiled) {
  const read = (f: string) => readFile(join(dir, f), 'utf8');
  const source = {
    subject: (await read('subject.txt')).trim(),
    mjml: await read('body.mjml'),
    text: await read('text.txt'),
  };
  const digest = createHash('sha256').update(JSON.stringify(source)).digest('hex');
  if (pre[name]?.digest === digest) return { source, compiled: pre[name].compiled };
  const r = await compileTemplate(source);
  if ('problems' in r)
    throw new Error(
      `${name}: ${r.problems.map((p) => `${p.field} line ${p.line}: ${p.message}`).join('; ')}`,
    );
  out[name] = { digest, compiled: r.compiled };
  return { source, compiled: r.compiled };
}

export type Templates = ReturnType<typeof compiled>;

/**
 * Compiles every kind of e-mail in every locale once (templates/<locale>/<kind>/body.mjml,
 * subject.txt, text.txt; strings.json per locale). A new kind is a new folder; English is the
 * fallback and must have every kind. `render` then only fills in escaped values. `save` compiles
 * all of them and writes them to `precompiled` (the build does).
 */
export async function loadTemplates(dir: string, o: { precompiled?: string; save?: boolean } = {}) {
  const file = o.precompiled ?? PRECOMPILED;
  const pre: Precompiled = o.save ? {} : JSON.parse(await readFile(file, 'utf8').catch(() => '{}'));
  const out: Precompiled = {};
  const locales: Record<string, Locale> = {};
  for (const locale of await readdir(dir)) {
    if (!(await exists(join(dir, locale, 'strings.json')))) continue;
    const kinds: Locale['kinds'] = {};
    for (const kind of await readdir(join(dir, locale))) {
      if (await exists(join(dir, locale, kind, 'body.mjml'))) {
        kinds[kind] = await compileKind(join(dir, locale, kind), `templates/${locale}/${kind}`, pre, out);
      }
    }
    locales[locale] = {
      kinds,
      strings: JSON.parse(await readFile(join(dir, locale, 'strings.json'), 'utf8')),
    };
  }
  if (o.save) await writeFile(file, JSON.stringify(out));
  if (!locales.en?.kinds.invite)
    throw new Error('templates/en/invite is required: English is the fallback locale');
  return compiled(locales);
}

// A look's branding is the same for every message it renders: escaped once.
const escapedBrands = new WeakMap<BrandValues, Record<string, string>>();
function escapedBrand(b: BrandValues) {
  let e = escapedBrands.get(b);
  if (!e) {
    e = Object.fromEntries(Object.entries(b).map(([k, v]) => [k, escapeHtml(v)]));
    escapedBrands.set(b, e);
  }
  return e;
}

function compiled(locales: Record<string, Locale>) {
  const localeFor = (kind: string, locale: string) => pickLocale((l) => !!locales[l]?.kinds[kind], locale);
  return {
    locales: Object.keys(locales),
    kinds: Object.keys(locales.en.kinds),
    /** The locale of the files a message of `kind` in `locale` is written in. */
    localeFor,
    /** The files of one kind and locale: version 0 (DESIGN §16). */
    source: (kind: string, locale: string): TemplateSource | null =>
      locales[locale]?.kinds[kind]?.source ?? null,
    render(kind: string, d: InviteMailData, look: Look = { brand: HERALD_BRAND }): RenderedMail {
      const lang = localeFor(kind, d.locale);
      const t = locales[lang] ?? locales.en;
      const k = look.compiled ?? t.kinds[kind]?.compiled ?? locales.en.kinds[kind]?.compiled;
      if (!k) throw new Error(`no template for e-mails of kind "${kind}"`);
      const date = d.expiresAt === null ? null : dateFormat(d.locale).format(d.expiresAt) + ' UTC';
      const vars: Omit<Values, 'subject' | keyof BrandValues> = {
        inviterName: d.inviterName ?? t.strings.someone,
        scopeText: d.scope ? `${d.scope.type} ${d.scope.id}` : t.strings.anywhere,
        roleText: d.role ? t.strings.role.replace('{role}', d.role) : '',
        url: d.url,
        expiresText: date ? t.strings.expires.replace('{date}', date) : t.strings.never,
        name: d.name ?? '',
        greeting: d.name ? t.strings.greeting.replace('{name}', d.name) : t.strings.greetingAnonymous,
        unsubscribeUrl: d.unsubscribeUrl ?? '',
      };
      // Two literal objects and a look-up, not a merged or spread one: this runs per message.
      const b = look.brand;
      const value = (name: string) => vars[name as keyof typeof vars] ?? b[name as keyof BrandValues] ?? '';
      const subject = fill(k.subject, value);
      const eb = escapedBrand(b);
      const html = fill(k.html, (name) =>
        name === 'subject'
          ? escapeHtml(subject)
          : (eb[name] ?? escapeHtml(vars[name as keyof typeof vars] ?? '')),
      );
      return { subject, html, text: fill(k.text, (name) => (name === 'subject' ? subject : value(name))) };
    },
  };
}
