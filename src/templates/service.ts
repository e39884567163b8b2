import type { Clock } from '../clock.js';
import { HeraldError } from '../errors.js';
import { compileTemplate, type TemplateSource } from '../mail/compile.js';
import type { InviteMailData, RenderedMail, Templates } from '../mail/templates.js';
import type { Looks } from './looks.js';
import type { TemplateStore, TemplateVersion } from './store.js';

/** Gmail clips a message whose HTML passes 102 KB. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/** A message to render for a preview or test send, when no invite is named. */
export interface Sample {
  inviterName?: string | null;
  scope?: { type: string; id: string } | null;
  role?: string | null;
  name?: string | null;
  expiresAt?: number | null;
}

export type TemplateService = ReturnType<typeof createTemplateService>;

const notFound = (what: string) => new HeraldError('template_not_found', 404, `No such template: ${what}.`);

/** Template versions per tenant, kind and locale (DESIGN §16): drafts, preview, publish. */
export function createTemplateService(d: {
  store: TemplateStore;
  looks: Looks;
  files: Templates;
  clock: Clock;
  publicUrl: string;
}) {
  const known = (kind: string, locale: string) => {
    if (!d.files.source(kind, locale)) throw notFound(`${kind}/${locale}`);
  };
  const filesVersion = (kind: string, locale: string): TemplateVersion => ({
    kind,
    locale,
    version: 0,
    ...d.files.source(kind, locale)!,
    createdAt: 0,
    createdBy: null,
    publishedAt: null,
    publishedBy: null,
  });
  const sampleData = (locale: string, s: Sample = {}): InviteMailData => ({
    inviterName: s.inviterName ?? 'Grace Hopper',
    scope: s.scope === undefined ? { type: 'organization', id: 'acme' } : s.scope,
    role: s.role === undefined ? 'admin' : s.role,
    name: s.name === undefined ? 'Ada Lovelace' : s.name,
    url: `${d.publicUrl}/i/SAMPLE-CODE`,
    expiresAt: s.expiresAt === undefined ? d.clock.now() + 7 * 86_400_000 : s.expiresAt,
    locale,
    unsubscribeUrl: `${d.publicUrl}/u/SAMPLE-TOKEN`,
  });
  const warningsOf = (m: RenderedMail) =>
    Buffer.byteLength(m.html) > GMAIL_CLIP_BYTES ? ['gmail_clip'] : [];

  const service = {
    /** Validates and stores a new draft version. */
    async draft(tenant: string, kind: string, locale: string, src: TemplateSource, by: string | null) {
      known(kind, locale);
      const r = await compileTemplate(src);
      if ('problems' in r)
        throw new HeraldError('template_invalid', 422, 'The template is not valid.', r.problems);
      const createdAt = d.clock.now();
      const version = await d.store.add(tenant, {
        kind,
        locale,
        ...src,
        createdAt,
        createdBy: by,
        publishedAt: null,
        publishedBy: null,
      });
      const brand = (await d.looks.of(tenant, kind, locale)).look.brand;
      const sample = d.files.render(kind, sampleData(locale), { brand, compiled: r.compiled });
      return { kind, locale, version, status: 'draft' as const, warnings: warningsOf(sample) };
    },
    async version(tenant: string, kind: string, locale: string, n: number) {
      known(kind, locale);
      const v = n === 0 ? filesVersion(kind, locale) : await d.store.get(tenant, kind, locale, n);
      if (!v) throw notFound(`${kind}/${locale} version ${n}`);
      const published = (await d.store.pointers(tenant)).get(`${kind}:${locale}`)?.published ?? 0;
      return { ...v, status: statusOf(v, published) };
    },
    async list(tenant: string) {
      const pointers = await d.store.pointers(tenant);
      return d.files.kinds.flatMap((kind) =>
        d.files.locales
          .filter((locale) => d.files.source(kind, locale))
          .map((locale) => ({ kind, locale, published: 0, latest: 0, ...pointers.get(`${kind}:${locale}`) })),
      );
    },
    /** Renders a version (the published one unless named) for an invite's data or a sample. */
    async render(
      tenant: string,
      kind: string,
      locale: string,
      o: { version?: number; data?: InviteMailData; sample?: Sample },
    ) {
      known(kind, locale);
      const current = await d.looks.of(tenant, kind, locale);
      let compiled = current.look.compiled;
      if (o.version !== undefined) {
        compiled = o.version === 0 ? null : await d.looks.version(tenant, kind, locale, o.version);
        if (o.version !== 0 && !compiled) throw notFound(`${kind}/${locale} version ${o.version}`);
      }
      const data = o.data ? { ...o.data, locale } : sampleData(locale, o.sample);
      const m = d.files.render(kind, data, { brand: current.look.brand, compiled });
      return { ...m, bytes: Buffer.byteLength(m.html), warnings: warningsOf(m), branding: current.branding };
    },
    async publish(tenant: string, kind: string, locale: string, n: number, by: string | null) {
      known(kind, locale);
      const v = await d.store.publish(tenant, kind, locale, n, d.clock.now(), by);
      if (v === false) throw notFound(`${kind}/${locale} version ${n}`);
      d.looks.forget(tenant);
      return { ...(v ?? filesVersion(kind, locale)), status: 'published' as const };
    },
  };
  return service;
}

function statusOf(v: TemplateVersion, published: number): 'draft' | 'published' | 'retired' {
  if (v.version === published) return 'published';
  return v.publishedAt !== null ? 'retired' : 'draft';
}
