import type { Redis } from 'ioredis';
import { partitioning } from '../invites/partitions.js';
import { partitionKeys, partitionPrefixes } from '../keys.js';

export interface SuppressionRecord {
  email: string;
  reason: 'bounce' | 'complaint' | 'unsubscribe' | 'manual';
  detail: string | null;
  createdAt: number;
}

export type SuppressionStore = ReturnType<typeof createSuppressionStore>;

/**
 * Reads of the suppression list (changes go through the `suppression` script in
 * src/invites/lua, next to the send checks that share its keys: P:sup, P:z:sup[:reason]). An
 * address lives in its invites' partition; a page merges every partition's.
 */
export function createSuppressionStore(redis: Redis, prefix: string, partitions = 1) {
  const parts = partitionPrefixes(prefix, partitions);
  const where = partitioning(partitions);
  const all = (P: string) => partitionKeys(P).suppressions;
  const order = (P: string, reason?: string) => partitionKeys(P).suppressionOrder(reason);
  return {
    async get(emailKey: string): Promise<SuppressionRecord | null> {
      const raw = await redis.hget(all(parts[where.ofEmail(emailKey)]), emailKey);
      return raw ? (JSON.parse(raw) as SuppressionRecord) : null;
    },
    /**
     * Newest first: up to `count` entries strictly after the position (score, key) in that order
     * (ties in time by key, descending), so a cursor stays valid while entries come and go.
     */
    async page(count: number, after: { score: number; key: string } | null, reason?: string) {
      const shares = await Promise.all(parts.map((P) => pageOf(P, count, after, reason)));
      return shares
        .flat()
        .sort((a, b) => b.score - a.score || (a.key < b.key ? 1 : -1))
        .slice(0, count);
    },
  };

  async function pageOf(
    P: string,
    count: number,
    after: { score: number; key: string } | null,
    reason?: string,
  ) {
    const out: { key: string; score: number }[] = [];
    const max = after ? String(after.score) : '+inf';
    for (let offset = 0; out.length < count;) {
      const want = count - out.length + 20;
      const flat = await redis.zrevrangebyscore(
        order(P, reason),
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
    const raws = out.length ? await redis.hmget(all(P), ...out.map((o) => o.key)) : [];
    return out.flatMap((o, i) =>
      raws[i] ? [{ ...o, record: JSON.parse(raws[i]!) as SuppressionRecord }] : [],
    );
  }
}
