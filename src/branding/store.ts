import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';
import { ttlCache } from '../ttl-cache.js';
import { normalise, type Branding } from './branding.js';

export type BrandingStore = ReturnType<typeof createBrandingStore>;

/** Tenants' branding in Redis, read through a 1 s cache: a change reaches every process within 1 s. */
export function createBrandingStore(redis: Redis, prefix: string) {
  const D = dataKeys(prefix);
  const cache = ttlCache(1000, async (tenant): Promise<Branding> => {
    const raw = await redis.get(D.branding(tenant));
    return normalise(raw ? (JSON.parse(raw) as Branding) : {});
  });
  return {
    get: (tenant: string) => cache.get(tenant),
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
