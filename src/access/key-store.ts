import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';

/** A tenant API key as stored: never its secret, only the secret's digest. */
export interface KeyRecord {
  id: string;
  name: string;
  tenant: string;
  scopes: string[];
  scopeIds: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  digest: string;
}

/** A secret's digest as stored (auth.ts computes the same hash once per request). */
export const secretDigest = (secret: string) => createHash('sha256').update(secret).digest('base64url');

/** A new key's id and secret: `hk_` and 43 URL-safe characters (256 random bits). */
export const newSecret = () => ({
  id: `key_${randomBytes(12).toString('base64url')}`,
  secret: `hk_${randomBytes(32).toString('base64url')}`,
});

export type KeyStore = ReturnType<typeof createKeyStore>;

/**
 * Tenant keys in Redis: `{D}:keys` (id → record), `{D}:keys:digest` (secret digest → id), and
 * `{D}:keys:used` (id → last use, written in batches by auth.ts, not on every request).
 */
export function createKeyStore(redis: Redis, prefix: string) {
  const D = dataKeys(prefix);
  const parse = (raw: string | null) => (raw ? (JSON.parse(raw) as KeyRecord) : null);
  return {
    async create(rec: KeyRecord) {
      await redis
        .multi()
        .hset(D.keys, rec.id, JSON.stringify(rec))
        .hset(D.keyDigests, rec.digest, rec.id)
        .exec();
    },
    async byDigest(digest: string): Promise<KeyRecord | null> {
      const id = await redis.hget(D.keyDigests, digest);
      return id ? parse(await redis.hget(D.keys, id)) : null;
    },
    async get(id: string): Promise<KeyRecord | null> {
      return parse(await redis.hget(D.keys, id));
    },
    async list(tenant: string): Promise<KeyRecord[]> {
      return Object.values(await redis.hgetall(D.keys))
        .map((raw) => JSON.parse(raw) as KeyRecord)
        .filter((k) => k.tenant === tenant)
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    /** Removes a key; true when it existed. */
    async remove(rec: KeyRecord): Promise<boolean> {
      const [[, n]] = (await redis
        .multi()
        .hdel(D.keys, rec.id)
        .hdel(D.keyDigests, rec.digest)
        .hdel(D.keysUsed, rec.id)
        .exec()) as [[null, number]];
      return n === 1;
    },
    async lastUsed(ids: string[]): Promise<(number | null)[]> {
      if (ids.length === 0) return [];
      return (await redis.hmget(D.keysUsed, ...ids)).map((v) => (v ? Number(v) : null));
    },
    async markUsed(used: Map<string, number>) {
      if (used.size) await redis.hset(D.keysUsed, Object.fromEntries(used));
    },
  };
}
