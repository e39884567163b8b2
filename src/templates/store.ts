import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';
import type { TemplateSource } from '../mail/compile.js';

/** One stored version of a tenant's template (DESIGN §16); version 0 is the files. */
export interface TemplateVersion extends TemplateSource {
  kind: string;
  locale: string;
  version: number;
  createdAt: number;
  createdBy: string | null;
  publishedAt: number | null;
  publishedBy: string | null;
}

// KEYS[1] the tenant's versions hash, KEYS[2] its pointers hash; ARGV[1] KIND:LOCALE, ARGV[2]
// the version JSON without its number. Reply: the new version's number (latest + 1), stored with it.
const ADD = `
local n = redis.call('HINCRBY', KEYS[2], ARGV[1] .. ':latest', 1)
local v = cjson.decode(ARGV[2])
v.version = n
redis.call('HSET', KEYS[1], ARGV[1] .. ':' .. n, cjson.encode(v))
return n`;
// KEYS[1] the tenant's versions hash, KEYS[2] its pointers hash; ARGV[1] KIND:LOCALE, ARGV[2]
// version (0: the files), ARGV[3] time, ARGV[4] who. Reply: the version JSON as published, '0'
// for the files, or false when there is no such version.
const PUBLISH = `
if ARGV[2] == '0' then -- back to the files
  redis.call('HSET', KEYS[2], ARGV[1] .. ':published', '0')
  return '0'
end
local raw = redis.call('HGET', KEYS[1], ARGV[1] .. ':' .. ARGV[2])
if not raw then return false end
local v = cjson.decode(raw)
v.publishedAt = tonumber(ARGV[3])
v.publishedBy = ARGV[4] ~= '' and ARGV[4] or cjson.null
raw = cjson.encode(v)
redis.call('HSET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], raw)
redis.call('HSET', KEYS[2], ARGV[1] .. ':published', ARGV[2])
return raw`;

export type TemplateStore = ReturnType<typeof createTemplateStore>;

/** Tenants' template versions in Redis: one hash per tenant, numbered per kind and locale. */
export function createTemplateStore(redis: Redis, prefix: string) {
  const D = dataKeys(prefix);
  redis.defineCommand('herald_tpl_add', { numberOfKeys: 2, lua: ADD });
  redis.defineCommand('herald_tpl_publish', { numberOfKeys: 2, lua: PUBLISH });
  const call = (name: string, ...args: (string | number)[]) =>
    (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...args);
  return {
    /** Stores a new draft; answers its number. */
    async add(tenant: string, v: Omit<TemplateVersion, 'version'>): Promise<number> {
      return Number(
        await call(
          'herald_tpl_add',
          D.templates(tenant),
          D.templatePointers(tenant),
          `${v.kind}:${v.locale}`,
          JSON.stringify(v),
        ),
      );
    },
    async get(tenant: string, kind: string, locale: string, n: number): Promise<TemplateVersion | null> {
      const raw = await redis.hget(D.templates(tenant), `${kind}:${locale}:${n}`);
      return raw ? (JSON.parse(raw) as TemplateVersion) : null;
    },
    /** Publishes a version (0: the files); answers it (null for the files), or false when none. */
    async publish(tenant: string, kind: string, locale: string, n: number, at: number, by: string | null) {
      const raw = await call(
        'herald_tpl_publish',
        D.templates(tenant),
        D.templatePointers(tenant),
        `${kind}:${locale}`,
        n,
        at,
        by ?? '',
      );
      if (!raw) return false;
      return raw === '0' ? null : (JSON.parse(String(raw)) as TemplateVersion);
    },
    /** Counts a test send in the current hour; answers how many the tenant made in it. */
    async countTest(tenant: string, hour: number): Promise<number> {
      const r = await redis
        .multi()
        .incr(D.templateTests(tenant, hour))
        .expire(D.templateTests(tenant, hour), 3600)
        .exec();
      return Number(r?.[0]?.[1] ?? 0);
    },
    /** Latest and published numbers of every kind and locale the tenant has versions of. */
    async pointers(tenant: string): Promise<Map<string, { latest: number; published: number }>> {
      const fields = Object.entries(await redis.hgetall(D.templatePointers(tenant)));
      const out = new Map<string, { latest: number; published: number }>();
      for (const [field, value] of fields) {
        const m = /^(.+):(latest|published)$/.exec(field);
        if (!m) continue;
        const p = out.get(m[1]) ?? { latest: 0, published: 0 };
        p[m[2] as 'latest' | 'published'] = Number(value);
        out.set(m[1], p);
      }
      return out;
    },
    remove: (tenant: string) => redis.del(D.templates(tenant), D.templatePointers(tenant)),
  };
}
