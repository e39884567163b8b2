import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';
import { ttlCache } from '../ttl-cache.js';
import { normalise, type Branding } from './branding.js';

export type BrandingStore = ReturnType<typeof createBrandingStore>;

/**
 * Tenants' branding in Redis. Pages read it through a 1 s cache (a change reaches every API
 * process within 1 s); a worker reads it fresh for each message (`fresh`).
 */
export function createBrandingStore(redis: Redis, prefix: string) {
  const D = dataKeys(prefix);
  const read = async (tenant: string): Promise<Branding> => {
    const raw = await redis.get(D.branding(tenant));
    return normalise(raw ? (JSON.parse(raw) as Branding) : {});
  };
  const cache = ttlCache(1000, read);
  return {
    get: (tenant: string) => cache.get(tenant),
    /** As stored now: what a message rendered from now on must show (DESIGN §16). */
    fresh: read,
    async put(tenant: string, b: Branding) {
      await redis.set(D.branding(tenant), JSON.stringify(b));
      cache.set(tenant, b);
      return b;
    },
    async remove(tenant: string) {
      cache.delete(tenant);
      await redis.del(D.branding(tenant));
    },
  };
}
