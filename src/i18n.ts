// Shared by e-mails and pages: escaping, locale fallback and date formats.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** Escapes text for HTML element content and quoted attributes. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** The locale to use among those available: pt-BR → pt-BR, then pt, then en. */
export function pickLocale(available: (locale: string) => boolean, locale: string): string {
  return [locale, locale.split('-')[0]].find(available) ?? 'en';
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
