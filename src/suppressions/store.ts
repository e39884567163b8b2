import type { Redis } from 'ioredis';
import { partitioning } from '../invites/partitions.js';
import { partitionKeys, partitionPrefixes } from '../keys.js';

/** Why an address is on a suppression list (DESIGN §11). */
export const REASONS = ['bounce', 'complaint', 'unsubscribe', 'manual'] as const;

export interface SuppressionRecord {
  email: string;
  reason: (typeof REASONS)[number];
  detail: string | null;
  createdAt: number;
  /** Outside tenant default: the tenant whose list it is in. */
  tenant?: string;
}

export type SuppressionStore = ReturnType<typeof createSuppressionStore>;

/**
 * Reads of a tenant's suppression list (changes go through the `suppression` script in
 * src/invites/lua, next to the send checks that share its keys). An address lives in its
 * invites' partition; a page merges every partition's. A shared bounce (DESIGN §15) answers a
 * look-up by address in every tenant, but is listed only in the list of the tenant it bounced for.
 */
export function createSuppressionStore(redis: Redis, prefix: string, partitions = 1) {
  const parts = partitionPrefixes(prefix, partitions);
  const where = partitioning(partitions);
  return {
    async get(tenant: string, emailKey: string): Promise<SuppressionRecord | null> {
      const keys = partitionKeys(parts[where.ofEmail(emailKey)]);
      const [own, shared] = await redis.hmget(
        keys.suppressions,
        keys.suppressionField(tenant, emailKey),
        keys.sharedSuppressionField(emailKey),
      );
      const raw = own ?? shared;
      return raw ? (JSON.parse(raw) as SuppressionRecord) : null;
    },
    /**
     * Newest first: up to `count` entries strictly after the position (score, key) in that order
     * (ties in time by key, descending), so a cursor stays valid while entries come and go.
     */
    async page(tenant: string, count: number, after: { score: number; key: string } | null, reason?: string) {
      const shares = await Promise.all(parts.map((P) => pageOf(P, tenant, count, after, reason)));
      return shares
        .flat()
        .sort((a, b) => b.score - a.score || (a.key < b.key ? 1 : -1))
        .slice(0, count);
    },
  };

  async function pageOf(
    P: string,
    tenant: string,
    count: number,
    after: { score: number; key: string } | null,
    reason?: string,
  ) {
    const out: { key: string; score: number }[] = [];
    const max = after ? String(after.score) : '+inf';
    for (let offset = 0; out.length < count;) {
      const want = count - out.length + 20;
      const flat = await redis.zrevrangebyscore(
        partitionKeys(P).suppressionOrder(tenant, reason),
        max,
        '-inf',
        'WITHSCORES',
        'LIMIT',
        offset,
        want,
      );
      offset += flat.length / 2;
      for (let i = 0; i < flat.length && out.length < count; i += 2) {
        const [key, score] = [flat[i], Number(flat[i + 1])];
        // Same time as the cursor: only keys after it (ties run in descending key order).
        if (!after || score < after.score || key < after.key) out.push({ key, score });
      }
      if (flat.length < want * 2) break;
    }
    const keys = partitionKeys(P);
    const fields = out.map((o) => keys.suppressionField(tenant, o.key));
    const raws = out.length ? await redis.hmget(keys.suppressions, ...fields) : [];
    return out.flatMap((o, i) =>
      raws[i] ? [{ ...o, record: JSON.parse(raws[i]!) as SuppressionRecord }] : [],
    );
  }
}
