import type { Clock } from '../clock.js';
import { HeraldError } from '../errors.js';
import { compileTemplate, type TemplateSource } from '../mail/compile.js';
import type { InviteMailData, RenderedMail, Templates } from '../mail/templates.js';
import type { JobPort } from '../invites/ports.js';
import type { Looks } from './looks.js';
import type { TemplateStore, TemplateVersion } from './store.js';

/** A locale a template may be written in: a language, then region or script subtags (pt-BR). */
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/;
/** Test sends per tenant per hour (DESIGN §16). */
export const TESTS_PER_HOUR = 20;
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
  jobs: JobPort;
  /** Whether a tenant may not mail an address (its suppression list, and shared bounces). */
  suppressed: (tenant: string, emailKey: string) => Promise<boolean>;
}) {
  // Any kind the files have, in any locale: one the files lack falls back to theirs (English).
  const known = (kind: string, locale: string) => {
    if (!d.files.kinds.includes(kind) || !LOCALE.test(locale)) throw notFound(`${kind}/${locale}`);
  };
  const filesVersion = (kind: string, locale: string): TemplateVersion => ({
    kind,
    locale,
    version: 0,
    ...d.files.source(kind, d.files.localeFor(kind, locale))!,
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
    /** The newest `count` stored versions of one kind and locale, with their status. */
    async history(tenant: string, kind: string, locale: string, count = 20) {
      known(kind, locale);
      const p = (await d.store.pointers(tenant)).get(`${kind}:${locale}`) ?? { latest: 0, published: 0 };
      const ns = Array.from({ length: Math.min(count, p.latest) }, (_, i) => p.latest - i);
      const found = await Promise.all(ns.map((n) => d.store.get(tenant, kind, locale, n)));
      return {
        ...p,
        versions: found.flatMap((v) => (v ? [{ ...v, status: statusOf(v, p.published) }] : [])),
      };
    },
    async list(tenant: string) {
      const pointers = await d.store.pointers(tenant);
      return d.files.kinds.flatMap((kind) => {
        const mine = [...pointers.keys()]
          .filter((k) => k.startsWith(`${kind}:`))
          .map((k) => k.slice(kind.length + 1));
        const locales = new Set([...d.files.locales.filter((l) => d.files.source(kind, l)), ...mine]);
        return [...locales].map((locale) => ({
          kind,
          locale,
          published: 0,
          latest: 0,
          ...pointers.get(`${kind}:${locale}`),
        }));
      });
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
    /** Queues one test message (no invite, no stats); a suppressed address is not mailed. */
    async testSend(tenant: string, kind: string, locale: string, to: string, version?: number) {
      // Rendered now, so a missing version or template answers 404 here rather than in a worker.
      await service.render(tenant, kind, locale, { version });
      const now = d.clock.now();
      const hour = Math.floor(now / 3_600_000);
      if ((await d.store.countTest(tenant, hour)) > TESTS_PER_HOUR)
        throw new HeraldError(
          'rate_limited',
          429,
          `At most ${TESTS_PER_HOUR} test sends per tenant per hour.`,
          [],
          {
            'retry-after': String(Math.ceil(((hour + 1) * 3_600_000 - now) / 1000)),
          },
        );
      if (await d.suppressed(tenant, to.toLowerCase())) return { queued: false, reason: 'suppressed' };
      await d.jobs.testSend({ tenant, kind, locale, version: version ?? null, to });
      return { queued: true, reason: null };
    },
    /** Removes every version of a deleted tenant's templates. */
    async removeTenant(tenant: string) {
      await d.store.remove(tenant);
    },
    async publish(tenant: string, kind: string, locale: string, n: number, by: string | null) {
      known(kind, locale);
      const v = await d.store.publish(tenant, kind, locale, n, d.clock.now(), by);
      if (v === false) throw notFound(`${kind}/${locale} version ${n}`);
      return { ...(v ?? filesVersion(kind, locale)), status: 'published' as const };
    },
  };
  return service;
}

function statusOf(v: TemplateVersion, published: number): 'draft' | 'published' | 'retired' {
  if (v.version === published) return 'published';
  // The files were the published version until the first publish.
  return v.publishedAt !== null || v.version === 0 ? 'retired' : 'draft';
}
