import type { Branding } from '../branding/branding.js';
import { brandValues } from '../branding/branding.js';
import type { BrandingStore } from '../branding/store.js';
import { compileTemplate, type Compiled } from '../mail/compile.js';
import type { Look } from '../mail/templates.js';
import type { TemplateStore } from './store.js';

/** What one message of a tenant looks like: the look to render with, its version, the sender. */
export interface TenantLook {
  look: Look;
  /** The template version rendered (0: the files). */
  version: number;
  /** The locale whose version it is (the files' own when version is 0). */
  locale: string;
  branding: Branding;
}

export type Looks = ReturnType<typeof createLooks>;

/**
 * Each tenant's branding and published templates, for the renderer (DESIGN §16). Which version
 * is published, and the branding, are read for each message (a GET and an HGETALL, sent together:
 * a message rendered after a publish or a branding change uses it); a version is compiled once
 * per process, on first use, and shared by every message after.
 */
export function createLooks(d: {
  templates: TemplateStore;
  branding: BrandingStore;
  /** The files' locale for a kind and a wanted locale (their fallback: English). */
  filesLocale: (kind: string, locale: string) => string;
}) {
  const compiled = new Map<string, Promise<Compiled | null>>();
  const compile = (tenant: string, kind: string, locale: string, n: number) => {
    const key = `${tenant}:${kind}:${locale}:${n}`;
    let found = compiled.get(key);
    if (!found) {
      // Versions never change once stored, so a compiled one stays right for as long as it is kept.
      if (compiled.size >= 1000) compiled.clear();
      found = d.templates.get(tenant, kind, locale, n).then(async (v) => {
        const r = v && (await compileTemplate(v));
        return r && 'compiled' in r ? r.compiled : null;
      });
      found.catch(() => compiled.delete(key));
      compiled.set(key, found);
    }
    return found;
  };
  return {
    /** Compiles (or finds compiled) one stored version; null when it does not exist. */
    version: compile,
    /**
     * The look of a message in `locale`: the tenant's version published for it, else for its
     * language (pt-BR → pt), else the files.
     */
    async of(tenant: string, kind: string, locale: string): Promise<TenantLook> {
      const [branding, all] = await Promise.all([d.branding.fresh(tenant), d.templates.pointers(tenant)]);
      const brand = brandValues(branding);
      for (const l of new Set([locale, locale.split('-')[0]])) {
        const n = all.get(`${kind}:${l}`)?.published ?? 0;
        const compiled = n > 0 ? await compile(tenant, kind, l, n) : null;
        if (compiled) return { look: { brand, compiled }, version: n, locale: l, branding };
      }
      return { look: { brand, compiled: null }, version: 0, locale: d.filesLocale(kind, locale), branding };
    },
  };
}
