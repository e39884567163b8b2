import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';

/** A tenant (DESIGN §15): an isolated space of invites, keys and settings. */
export interface Tenant {
  id: string;
  name: string;
  createdAt: number;
}

/** The tenant every install has: it needs no record, and cannot be deleted. */
export const DEFAULT_TENANT = 'default';
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** How long a process trusts that a tenant exists: a deleted tenant's keys stop within this. */
const CACHE_MS = 1000;

export type TenantStore = ReturnType<typeof createTenantStore>;

/** Tenants in Redis: `{D}:tenants` (id → record). */
export function createTenantStore(redis: Redis, prefix: string) {
  const D = dataKeys(prefix);
  const cache = new Map<string, { at: number; exists: boolean }>();
  const parse = (raw: string | null) => (raw ? (JSON.parse(raw) as Tenant) : null);
  return {
    /** Creates a tenant; false when the id is taken. */
    async create(t: Tenant): Promise<boolean> {
      if (t.id === DEFAULT_TENANT) return false;
      return (await redis.hsetnx(D.tenants, t.id, JSON.stringify(t))) === 1;
    },
    async get(id: string): Promise<Tenant | null> {
      if (id === DEFAULT_TENANT) return { id, name: 'Default', createdAt: 0 };
      return parse(await redis.hget(D.tenants, id));
    },
    async list(): Promise<Tenant[]> {
      const all = Object.values(await redis.hgetall(D.tenants)).map((r) => JSON.parse(r) as Tenant);
      return [
        { id: DEFAULT_TENANT, name: 'Default', createdAt: 0 },
        ...all.sort((a, b) => a.id.localeCompare(b.id)),
      ];
    },
    async rename(id: string, name: string): Promise<Tenant | null> {
      const t = await this.get(id);
      if (!t || id === DEFAULT_TENANT) return t && { ...t };
      const next = { ...t, name };
      await redis.hset(D.tenants, id, JSON.stringify(next));
      return next;
    },
    async remove(id: string): Promise<boolean> {
      cache.delete(id);
      return (await redis.hdel(D.tenants, id)) === 1;
    },
    /** Whether any tenant but `default` exists, as this process saw it within the last second. */
    async any(): Promise<boolean> {
      const hit = cache.get('');
      if (hit && Date.now() - hit.at < CACHE_MS) return hit.exists;
      const exists = (await redis.hlen(D.tenants)) > 0;
      cache.set('', { at: Date.now(), exists });
      return exists;
    },
    /** Whether a tenant exists, as this process saw it within the last second. */
    async exists(id: string): Promise<boolean> {
      if (id === DEFAULT_TENANT) return true;
      const hit = cache.get(id);
      if (hit && Date.now() - hit.at < CACHE_MS) return hit.exists;
      const exists = (await redis.hexists(D.tenants, id)) === 1;
      if (cache.size > 10_000) cache.clear();
      cache.set(id, { at: Date.now(), exists });
      return exists;
    },
  };
}
