import type { Redis } from 'ioredis';
import { partitionKeys, partitionPrefixes } from '../keys.js';
import { parseDoc } from '../invites/layout.js';
import { compareRefs, compareStreamIds, eventId, refOf, splitRef, type Position } from './catalog.js';

/** One raw entry of the event streams (fields as lua/lib/feed.lua's publish writes them). */
export interface StreamEntry {
  /** Its reference: stream id, and which stream (catalog.ts). */
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

function parse(stream: number, [streamId, fields]: [string, string[]]): StreamEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return {
    streamId: refOf(stream, streamId),
    // Invite events are written short (lua/lib/feed.lua's publish): e the type without "invite.", i the
    // id without "inv_"; every event's time is in base 36.
    type: f.t ?? `invite.${f.e}`,
    at: parseInt(f.a, 36),
    inviteId: f.i !== undefined ? `inv_${f.i}` : null,
    inv: f.inv ?? null,
    extra: f.x ? (JSON.parse(f.x) as Record<string, unknown>) : {},
    to: f.to ?? null,
  };
}

/**
 * The tenant an event belongs to (DESIGN §15): its invite's (read with the schema's codec), or
 * its batch's, its suppression entry's, or the one it names (subject.erased); else `default`.
 */
export const tenantOf = (e: StreamEntry): string => {
  if (e.inv) return parseDoc(e.inv).tenant;
  const x = e.extra as { batch?: { tenant?: string }; suppression?: { tenant?: string }; tenant?: string };
  return x.batch?.tenant ?? x.suppression?.tenant ?? x.tenant ?? 'default';
};

/** The tenant of a stream entry as Redis returns its fields ([name, value, …]). */
export const tenantOfFields = (fields: string[]): string => tenantOf(parse(0, ['0-0', fields]));

export type EventStore = ReturnType<typeof createEventStore>;

/**
 * The event streams in Redis: the data prefix's, then one per further partition (scripts publish
 * into the partition of the invite they change). Reads merge them in the feed's order. Only this
 * file knows their keys.
 */
export function createEventStore(redis: Redis, prefix: string, partitions = 1) {
  const prefixes = [...new Set([prefix, ...partitionPrefixes(prefix, partitions)])];
  const streams = prefixes.map((P) => partitionKeys(P).events);
  const floors = prefixes.map((P) => partitionKeys(P).eventsFloor);
  redis.defineCommand('herald_trim_events', { numberOfKeys: 2, lua: TRIM });
  type Raw = [string, string[]][];

  /** Up to `count` entries after a position, merged; only as far as every stream was read. */
  async function after(pos: Position, count: number): Promise<StreamEntry[]> {
    const reads = await Promise.all(
      streams.map(async (key, i) =>
        ((await redis.xrange(key, `(${pos[i]}`, '+', 'COUNT', count)) as Raw).map((r) => parse(i, r)),
      ),
    );
    // A stream that returned `count` may hold more: nothing after its last entry is certain yet.
    const cut = reads
      .filter((r) => r.length === count)
      .map((r) => r[r.length - 1].streamId)
      .sort(compareRefs)[0];
    const merged = reads.flat().sort((a, b) => compareRefs(a.streamId, b.streamId));
    return (cut ? merged.filter((e) => compareRefs(e.streamId, cut) <= 0) : merged).slice(0, count);
  }

  return {
    /** How many streams make up the feed. */
    streams: streams.length,
    after,
    async get(ref: string): Promise<StreamEntry | null> {
      const { stream, streamId } = splitRef(ref);
      if (!streams[stream]) return null;
      const [entry] = (await redis.xrange(streams[stream], streamId, streamId)) as Raw;
      return entry ? parse(stream, entry) : null;
    },
    /** Per stream: its newest id and the newest one trimmed away (null when none). */
    async bounds(): Promise<{ last: (string | null)[]; floor: (string | null)[] }> {
      const rows = await Promise.all(
        streams.map(async (key, i) => {
          const [newest, floor] = await Promise.all([
            redis.xrevrange(key, '+', '-', 'COUNT', 1) as Promise<Raw>,
            redis.get(floors[i]),
          ]);
          return { last: newest[0]?.[0] ?? null, floor };
        }),
      );
      return { last: rows.map((r) => r.last), floor: rows.map((r) => r.floor) };
    },
    /** The position after every event recorded so far. */
    async end(): Promise<Position> {
      const { last } = await this.bounds();
      return last.map((l) => l ?? '0-0');
    },
    /** The event id of a stream entry when `key` is one of the feed's streams; else null. */
    feedEventId(key: string, streamId: string): string | null {
      const i = streams.indexOf(key);
      return i < 0 ? null : eventId(refOf(i, streamId));
    },
    /** Records an event that no invite script writes (subject.erased); returns its reference. */
    async publish(type: string, at: number, data: Record<string, unknown>): Promise<string> {
      const id = await redis.xadd(
        streams[0],
        '*',
        't',
        type,
        'a',
        at.toString(36),
        'x',
        JSON.stringify(data),
      );
      return refOf(0, id!);
    },
    /** Adds a webhook.test event meant for one endpoint only; returns its reference. */
    async publishTest(endpointId: string, at: number): Promise<string> {
      return refOf(
        0,
        (await redis.xadd(streams[0], '*', 't', 'webhook.test', 'a', at.toString(36), 'to', endpointId))!,
      );
    },
    /** Drops events recorded before `beforeMs` (by Redis' clock, which stamps stream ids). */
    async trim(beforeMs: number): Promise<number> {
      const trim = (redis as unknown as Record<string, (...a: string[]) => Promise<number>>)
        .herald_trim_events;
      const floor = `${Math.max(0, Math.floor(beforeMs))}-0`;
      const n = await Promise.all(streams.map((key, i) => trim.call(redis, key, floors[i], floor)));
      return n.reduce((a, b) => a + b, 0);
    },
    /**
     * Reads new entries after a position, waiting up to `blockMs` (needs its own connection). One
     * stream is watched with a blocking read; several are polled, since a cluster cannot block on
     * keys of several slots in one read.
     */
    async waitAfter(conn: Redis, pos: Position, count: number, blockMs: number): Promise<StreamEntry[]> {
      if (streams.length > 1) {
        const found = await after(pos, count);
        if (found.length === 0) await new Promise((r) => setTimeout(r, Math.min(blockMs, 100)));
        return found;
      }
      const res = (await conn.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', streams[0], pos[0])) as
        [string, Raw][] | null;
      return res ? res[0][1].map((r) => parse(0, r)) : [];
    },
  };
}

/** Whether a stream id is after a position's entry for its stream. */
export const isAfter = (pos: Position, ref: string) => {
  const { stream, streamId } = splitRef(ref);
  return compareStreamIds(streamId, pos[stream] ?? '0-0') > 0;
};
