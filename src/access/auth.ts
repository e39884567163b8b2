import { createHash, timingSafeEqual } from 'node:crypto';
import type { KeyRecord, KeyStore } from './key-store.js';
import type { TenantStore } from '../tenants/store.js';

const sha = (s: string) => createHash('sha256').update(s).digest();

/** Compares a presented key with every configured key in constant time; its short id, or null. */
export function keyChecker(keys: string[]) {
  const hashes = keys.map(sha);
  /** `h`: the presented key's SHA-256, when the caller has it already. */
  return (presented: string, h = sha(presented)): string | null => {
    let match = -1;
    hashes.forEach((k, i) => {
      if (timingSafeEqual(k, h)) match = i;
    });
    return match < 0 ? null : hashes[match].subarray(0, 8).toString('hex');
  };
}

/** Who a request acts as: an operator key (API_KEYS) or a tenant key (DESIGN §15). */
export interface Principal {
  /** A short id of an operator key, or a tenant key's `key_…` id. */
  keyId: string;
  operator: boolean;
  tenant: string;
  scopes: string[];
  /** The invite scopes (`TYPE:ID`) the key is limited to; null: all. */
  scopeIds: string[] | null;
}

/** How long a process trusts what it read about a key: a revoked key stops within this. */
const CACHE_MS = 1000;
/** How often last uses go to Redis (one write for many requests, not one per request). */
const USED_FLUSH_MS = 5000;

export type Auth = ReturnType<typeof createAuth>;

/**
 * Resolves a bearer token: operator keys are compared in memory (no Redis); tenant keys are
 * looked up by their digest, remembered for at most a second, and their last use is written in
 * batches. A Redis that cannot answer the look-up surfaces as its error (503).
 */
export function createAuth(o: { operatorKeys: string[]; keys: KeyStore; tenants: TenantStore }) {
  const operator = keyChecker(o.operatorKeys);
  const cache = new Map<string, { at: number; rec: KeyRecord | null }>();
  const used = new Map<string, number>();

  async function flush() {
    if (used.size === 0) return;
    const batch = new Map(used);
    used.clear();
    await o.keys.markUsed(batch).catch(() => {
      for (const [id, at] of batch) if (!used.has(id)) used.set(id, at);
    });
  }
  const timer = setInterval(() => void flush(), USED_FLUSH_MS);
  timer.unref();

  return {
    async principal(token: string): Promise<Principal | null> {
      // One SHA-256 serves both checks: a tenant key's digest is the same hash (key-store.ts).
      const hash = sha(token);
      const op = operator(token, hash);
      if (op) return { keyId: op, operator: true, tenant: 'default', scopes: ['*'], scopeIds: null };
      if (!/^hk_[A-Za-z0-9_-]{32,}$/.test(token)) return null;
      const digest = hash.toString('base64url');
      const now = Date.now();
      let hit = cache.get(digest);
      if (!hit || now - hit.at >= CACHE_MS) {
        hit = { at: now, rec: await o.keys.byDigest(digest) };
        if (cache.size > 10_000) cache.clear();
        cache.set(digest, hit);
      }
      const rec = hit.rec;
      if (!rec || (rec.expiresAt !== null && rec.expiresAt <= now)) return null;
      // A deleted tenant's keys stop at once here, and within a second in every other process.
      if (!(await o.tenants.exists(rec.tenant))) return null;
      used.set(rec.id, now);
      return {
        keyId: rec.id,
        operator: false,
        tenant: rec.tenant,
        scopes: rec.scopes,
        scopeIds: rec.scopeIds,
      };
    },
    /** Whether a tenant an operator names in Herald-Tenant exists. */
    tenantExists: (id: string) => o.tenants.exists(id),
    /** Last uses not yet written, for GET /v1/keys (this process's view). */
    pendingUse: (id: string) => used.get(id) ?? null,
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
