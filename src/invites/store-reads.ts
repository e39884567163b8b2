import type { Redis } from 'ioredis';
import { partitionKeys as pk } from '../keys.js';
import type { InviteDoc } from './invite.js';
import { LAYOUT, parseDoc } from './layout.js';
import { byPartition, type Partitioning } from './partitions.js';

/** One audit entry: a line "<type>:<at in base 36>[ <JSON>]" (lua/lib/trail.lua's audit). */
function auditEntry(line: string): Record<string, unknown> {
  const space = line.indexOf(' ');
  const head = space < 0 ? line : line.slice(0, space);
  const colon = head.indexOf(':');
  const rest = space < 0 ? {} : JSON.parse(line.slice(space + 1));
  return { type: head.slice(0, colon), at: parseInt(head.slice(colon + 1), 36), ...rest };
}

/** Runs the index reader (lua/index_read.lua) in one partition; store.ts owns the scripts. */
export type RunIndexRead = (
  script: 'index_read',
  P: string,
  now: number,
  ...args: string[]
) => Promise<unknown>;

/**
 * The store's reads: invites by id or code, audit trails, filter index members, and counters
 * summed over the partitions (`parts`, placed by `where`).
 */
export function createStoreReads(redis: Redis, parts: string[], where: Partitioning, run: RunIndexRead) {
  const at = (id: string) => parts[where.ofId(id)];
  const parse = (raw: string | null, id: string) => (raw ? parseDoc(raw, id) : null);
  const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);
  // Kept apart from lua/ (no LAYOUT or modules to run first): the public lookup is the hottest call.
  // KEYS: the digest's hash; ARGV: the digest, the invite key prefix, '1' to leave out the uses.
  // Reply: {id, the invite's document (without its trail)}, or false. The uses (acceptedBy) are
  // the document's last field when it ends with `}]}` (lua/lib/codec.lua: the one list of
  // objects); an open invite's thousands of them then stay in Redis for a public read.
  const uses = `,"${LAYOUT.top.acceptedBy}":[`;
  redis.defineCommand('herald_by_digest', {
    numberOfKeys: 1,
    lua:
      "local id = redis.call('HGET', KEYS[1], ARGV[1]) if not id then return false end " +
      "local raw = redis.call('GET', ARGV[2] .. id) if not raw then return false end " +
      // The document only: the audit trail after it stays in Redis.
      "local nl = string.find(raw, '\\n', 1, true) local last = nl and nl - 1 or #raw " +
      "if ARGV[3] == '1' and string.sub(raw, last - 2, last) == '}]}' then " +
      `local at = string.find(raw, '${uses}', 1, true) ` +
      "if at and at < last then return {id, string.sub(raw, 1, at - 1) .. '}'} end end " +
      'return {id, string.sub(raw, 1, last)}',
  });
  const byDigest = (redis as unknown as Record<string, (...a: string[]) => Promise<[string, string] | null>>)
    .herald_by_digest;

  return {
    async get(id: string): Promise<InviteDoc | null> {
      return parse(await redis.get(pk(at(id)).invite(id)), id);
    },
    /** Invites by id, in the order asked (one MGET per partition, as a cluster requires). */
    async getMany(ids: string[]): Promise<(InviteDoc | null)[]> {
      const found = new Map<string, string | null>();
      await Promise.all(
        [...byPartition(where, ids, (id) => id)].map(async ([p, group]) => {
          const raws = await redis.mget(group.map((id) => pk(parts[p]).invite(id)));
          group.forEach((id, i) => found.set(id, raws[i]));
        }),
      );
      return ids.map((id) => parse(found.get(id) ?? null, id));
    },
    /** The id of the invite a code opens (`digest`: its lookup digest, codes.ts). */
    async idByCode(code: string, digest: string): Promise<string | null> {
      const k = pk(parts[where.ofCode(code)]);
      return redis.hget(k.codes(digest), digest);
    },
    /**
     * The invite a code opens, in one round trip (`digest`: its lookup digest, codes.ts); with
     * `uses` false, its acceptedBy left empty (`uses` still counts them), for the public reads.
     */
    async getByCode(code: string, digest: string, uses = true): Promise<InviteDoc | null> {
      const k = pk(parts[where.ofCode(code)]);
      const found = await byDigest.call(redis, k.codes(digest), digest, k.invite(''), uses ? '' : '1');
      return found ? parseDoc(found[1], found[0]) : null;
    },
    async events(id: string): Promise<Record<string, unknown>[] | null> {
      const k = pk(at(id));
      // The trail's lines follow the invite's document (lua/lib/trail.lua's audit); older lines may sit in
      // P:ev:ID (a deleted invite's, or a long trail's first lines).
      const [[, raw], [, text]] = (await redis.multi().get(k.invite(id)).get(k.audit(id)).exec()) as [
        [null, string | null],
        [null, string | null],
      ];
      if (raw === null && text === null) return null;
      const lines = (s: string) => s.split('\n').slice(0, -1);
      const older = text === null ? [] : lines(text);
      const own = raw !== null && raw.includes('\n') ? lines(raw.slice(raw.indexOf('\n') + 1)) : [];
      // Lines in the invite's key leave out what it holds: a "created" line the batch id, the
      // last "sent" line the message id (lua/lib/trail.lua's audit).
      const doc = own.length ? parseDoc(raw!, id) : null;
      const spelled = (e: Record<string, unknown>) => {
        if (e.type === 'created' && doc?.batchId && e.batchId === undefined)
          return { ...e, batchId: doc.batchId };
        if (e.type === 'sent' && doc?.delivery.messageId && e.messageId === undefined)
          return { ...e, messageId: doc.delivery.messageId };
        return e;
      };
      return [...older.map(auditEntry), ...own.map((l) => spelled(auditEntry(l)))];
    },
    /** How many invites' `kind` field holds `value`, counted no further than past `most` per partition. */
    async setSize(kind: string, value: string, most: number): Promise<number> {
      const counts = await Promise.all(
        parts.map((P) => run('index_read', P, 0, 'count', kind, value, String(most)) as Promise<number>),
      );
      return sum(counts);
    },
    /**
     * The ids of invites whose `kind` field (LAYOUT.indexed) holds `value`: every one, or, with
     * `most`, at most `most` + 1 from each partition (enough to tell "more than most").
     */
    async setMembers(kind: string, value: string, most = Number.MAX_SAFE_INTEGER): Promise<string[]> {
      const shares = await Promise.all(
        parts.map((P) => run('index_read', P, 0, 'members', kind, value, String(most)) as Promise<string[]>),
      );
      return shares.flat();
    },
    /** The /metrics counters (P:stats), summed over the partitions. */
    async stats(): Promise<Record<string, number>> {
      const all = await Promise.all(parts.map((P) => redis.hgetall(pk(P).stats)));
      const sums: Record<string, number> = {};
      for (const h of all) for (const [f, v] of Object.entries(h)) sums[f] = (sums[f] ?? 0) + Number(v);
      return sums;
    },
    /** The funnel counters of each hour (P:st:HOUR, written by lua/lib/counters.lua's tally), for the given fields. */
    async tallies(hours: number[], fields: string[]): Promise<number[][]> {
      const perPart = await Promise.all(
        parts.map((P) => Promise.all(hours.map((h) => redis.hmget(pk(P).hourly(h), ...fields)))),
      );
      return hours.map((_, i) =>
        fields.map((_f, j) => perPart.reduce((a, rows) => a + Number(rows[i][j] ?? 0), 0)),
      );
    },
    async dueCount(now: number): Promise<number> {
      return sum(await Promise.all(parts.map((P) => run('index_read', P, now, 'due') as Promise<number>)));
    },
  };
}
