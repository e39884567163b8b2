import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';

/**
 * The records under the data prefix that are about the service rather than an invite: worker
 * heartbeats, locks, idempotency records, when the last sweep ran.
 */
export function createServiceRecords(redis: Redis, prefix: string) {
  const D = dataKeys(prefix);
  return {
    async setLastSweep(at: number) {
      await redis.set(D.lastSweep, String(at));
    },

    /** Records an erasure of an address digest once; answers the erasure id it has (and whether new). */
    async recordErasure(digest: string, id: string): Promise<{ id: string; created: boolean }> {
      const created = (await redis.hsetnx(D.erasures, digest, id)) === 1;
      return { id: created ? id : ((await redis.hget(D.erasures, digest)) ?? id), created };
    },

    async lastSweep(): Promise<number | null> {
      const v = await redis.get(D.lastSweep);
      return v ? Number(v) : null;
    },

    async heartbeat(worker: string, now: number) {
      await redis
        .multi()
        .zadd(D.workers, now, worker)
        .zremrangebyscore(D.workers, '-inf', now - 60_000)
        .exec();
    },

    async workersAlive(now: number, windowMs: number): Promise<number> {
      return redis.zcount(D.workers, now - windowMs, '+inf');
    },

    /** A lock with a token, released only by its holder; null when someone else holds it. */
    async lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
      const token = randomUUID();
      const got = await redis.set(D.lock(name), token, 'PX', ttlMs, 'NX');
      if (!got) return null;
      return async () => {
        await redis.eval(
          "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
          1,
          D.lock(name),
          token,
        );
      };
    },

    /**
     * Claims an idempotency key for a request fingerprint: 'new' (go ahead), 'pending' (the
     * first request is still running), 'mismatch' (same key, other body) or the stored answer.
     */
    async idemClaim(scope: string, idemKey: string, fingerprint: string) {
      const k = D.idempotency(scope, idemKey);
      const claimed = await redis.set(k, JSON.stringify({ f: fingerprint }), 'PX', 60_000, 'NX');
      if (claimed) return { state: 'new' as const };
      const raw = await redis.get(k);
      if (!raw) return { state: 'pending' as const };
      const rec = JSON.parse(raw) as { f: string; status?: number; body?: unknown };
      if (rec.f !== fingerprint) return { state: 'mismatch' as const };
      if (rec.status === undefined) return { state: 'pending' as const };
      return { state: 'done' as const, status: rec.status, body: rec.body };
    },

    async idemStore(
      scope: string,
      idemKey: string,
      fingerprint: string,
      status: number,
      body: unknown,
      ttlSec: number,
    ) {
      await redis.set(
        D.idempotency(scope, idemKey),
        JSON.stringify({ f: fingerprint, status, body }),
        'EX',
        ttlSec,
      );
    },

    async idemRelease(scope: string, idemKey: string) {
      await redis.del(D.idempotency(scope, idemKey));
    },

    async ping(): Promise<boolean> {
      return (await redis.ping()) === 'PONG';
    },
  };
}
