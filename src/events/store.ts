import type { Redis } from 'ioredis';

/** One raw entry of the event stream (fields as lib.lua's publish writes them). */
export interface StreamEntry {
  streamId: string;
  type: string;
  at: number;
  inviteId: string | null;
  /** The invite as stored after the change (status letter + JSON). */
  inv: string | null;
  extra: Record<string, unknown>;
  /** Set on webhook.test: the only endpoint that gets it; such entries stay out of the feed. */
  to: string | null;
}

const TRIM = `
-- Drops events older than a time and remembers the newest dropped id, so that a cursor from
-- before it can be told apart from a valid one.
-- KEYS: 1 the stream, 2 the floor key. ARGV: 1 oldest stream id to keep ("ms-0").
-- Reply: the number of entries dropped.
local last = redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[1], '-', 'COUNT', 1)
if #last == 0 then return 0 end
redis.call('SET', KEYS[2], last[1][1])
return redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
`;

function parse([streamId, fields]: [string, string[]]): StreamEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return {
    streamId,
    type: f.t,
    at: Number(f.at),
    inviteId: f.id ?? null,
    inv: f.inv ?? null,
    extra: f.x ? (JSON.parse(f.x) as Record<string, unknown>) : {},
    to: f.to ?? null,
  };
}

export type EventStore = ReturnType<typeof createEventStore>;

/** The event stream in Redis: read in order, fetch one, trim by age. Only this file knows its keys. */
export function createEventStore(redis: Redis, prefix: string) {
  const stream = `${prefix}:events`;
  const floorKey = `${prefix}:events:floor`;
  redis.defineCommand('herald_trim_events', { numberOfKeys: 2, lua: TRIM });
  type Raw = [string, string[]][];
  return {
    /** Up to `count` entries after `streamId` (exclusive), oldest first. */
    async after(streamId: string, count: number): Promise<StreamEntry[]> {
      return ((await redis.xrange(stream, `(${streamId}`, '+', 'COUNT', count)) as Raw).map(parse);
    },
    async get(streamId: string): Promise<StreamEntry | null> {
      const [entry] = (await redis.xrange(stream, streamId, streamId)) as Raw;
      return entry ? parse(entry) : null;
    },
    /** The newest id in the stream and the newest one trimmed away (null when none). */
    async bounds(): Promise<{ last: string | null; floor: string | null }> {
      const [[, newest], [, floor]] = (await redis
        .multi()
        .xrevrange(stream, '+', '-', 'COUNT', 1)
        .get(floorKey)
        .exec()) as [[null, Raw], [null, string | null]];
      return { last: newest[0]?.[0] ?? null, floor };
    },
    /** Adds a webhook.test event meant for one endpoint only; returns its stream id. */
    async publishTest(endpointId: string, at: number): Promise<string> {
      return (await redis.xadd(stream, '*', 't', 'webhook.test', 'at', String(at), 'to', endpointId))!;
    },
    /** Drops events recorded before `beforeMs` (by Redis' clock, which stamps stream ids). */
    async trim(beforeMs: number): Promise<number> {
      const trim = (redis as unknown as Record<string, (...a: string[]) => Promise<number>>)
        .herald_trim_events;
      return trim.call(redis, stream, floorKey, `${Math.max(0, Math.floor(beforeMs))}-0`);
    },
    /** Reads new entries after `streamId`, waiting up to `blockMs` (needs its own connection). */
    async waitAfter(conn: Redis, streamId: string, count: number, blockMs: number): Promise<StreamEntry[]> {
      const res = (await conn.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, streamId)) as
        [string, Raw][] | null;
      return res ? res[0][1].map(parse) : [];
    },
  };
}
