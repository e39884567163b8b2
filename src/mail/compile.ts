import { problems, split, type Parts } from './placeholders.js';

/** A template as written: what PUT /v1/templates takes and templates/LOCALE/KIND/ holds. */
export interface TemplateSource {
  subject: string;
  mjml: string;
  text: string;
}
/** A template compiled once: its parts, ready to be filled for each message. */
export interface Compiled {
  html: Parts;
  subject: Parts;
  text: Parts;
}
export interface TemplateProblem {
  field: keyof TemplateSource;
  line: number | null;
  message: string;
}

// MJML checks colour attributes, so {{primaryColor}} goes in as a colour nobody picks and is put
// back after compiling.
const COLOR = '#010203';
// Active content a recipient's mail client must never get: MJML passes the HTML inside its
// tags through as written, so the source is where to look.
const ACTIVE = [
  [
    /<\s*(script|iframe|object|embed|form|base|meta)\b/i,
    'active content (script, iframe, object, embed, form, base, meta)',
  ],
  [/\son[a-z]+\s*=/i, 'an event handler attribute (on…=)'],
  [/(href|src|action)\s*=\s*["']?\s*(javascript|vbscript|data):/i, 'a javascript:, vbscript: or data: link'],
] as const;

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/**
 * Validates and compiles a template (MJML at its strict level, known placeholders only, no
 * active content); the problems name the field and line.
 */
export async function compileTemplate(
  src: TemplateSource,
): Promise<{ compiled: Compiled } | { problems: TemplateProblem[] }> {
  const found: TemplateProblem[] = [];
  for (const field of ['subject', 'mjml', 'text'] as const) {
    for (const message of problems(src[field])) {
      const name = /\{\{[#/]?\w+\}\}/.exec(message)?.[0] ?? '';
      found.push({ field, line: lineOf(src[field], src[field].indexOf(name)), message });
    }
  }
  // Browsers decode character references and drop tabs and newlines in a URL: so does the check.
  const plain = src.mjml
    .replace(/&#(x?)([0-9a-f]+);?/gi, (_m, x: string, n: string) =>
      String.fromCodePoint(Math.min(parseInt(n, x ? 16 : 10), 0x10ffff)),
    )
    .replace(
      /&(colon|tab|newline);/gi,
      (_m, e: string) => ({ colon: ':', tab: '\t', newline: '\n' })[e.toLowerCase()]!,
    );
  const flat = plain.replace(/[\t\r\n]/g, '');
  for (const [pattern, what] of [[/<\s*mj-(raw|include)\b/i, 'mj-raw and mj-include'], ...ACTIVE] as const) {
    const at = plain.search(pattern);
    if (at >= 0 || flat.search(pattern) >= 0)
      found.push({
        field: 'mjml',
        line: at >= 0 ? lineOf(plain, at) : null,
        message: `${what} is not allowed`,
      });
  }
  if (found.length) return { problems: found };
  let html: string;
  try {
    // Loaded on first use: a process that only renders compiled templates never holds MJML.
    const { default: mjml2html } = await import('mjml');
    const r = await mjml2html(src.mjml.replaceAll('{{primaryColor}}', COLOR), {
      validationLevel: 'strict',
      ignoreIncludes: true,
    });
    html = r.html;
  } catch (err) {
    // MJML's strict level throws its validator's findings as `errors`, each with a line.
    const errors = (err as { errors?: { line?: number; message: string }[] }).errors;
    if (errors?.length)
      return { problems: errors.map((e) => ({ field: 'mjml', line: e.line ?? null, message: e.message })) };
    return { problems: [{ field: 'mjml', line: null, message: (err as Error).message.slice(0, 300) }] };
  }
  return {
    compiled: {
      // Indentation is a quarter of MJML's output; every message would carry and encode it.
      html: split(html.replace(/\n[ \t]+/g, '\n').replaceAll(COLOR, '{{primaryColor}}')),
      subject: split(src.subject.trim()),
      text: split(src.text),
    },
  };
}
