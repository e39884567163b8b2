import type { Redis } from 'ioredis';
import { scanKeys } from '../redis.js';
import { allKeyPatterns, PARTITION_KEYS as N } from '../keys.js';
import { tenantOfFields } from '../events/store.js';

/** What a scrub found and did, by kind of record. */
export interface ScrubCounts {
  /** Invite keys naming the address, handed to `removeInvite` (it removes them properly). */
  invites: number;
  /** Feed events removed. */
  events: number;
  /** Webhook delivery log entries removed. */
  deliveries: number;
  /** Other records removed or with the address replaced (jobs, batch chunks, idempotency replays). */
  other: number;
}

const ERASED = '[erased]';

/**
 * Looks through every key Herald keeps under `name` for an address, in any letter case, and
 * removes it (DESIGN §18): stream entries naming it go (feed events, and webhook log entries
 * that name it or record the delivery of an event that did), list and hash values have it replaced, set and sorted-set members and other strings naming it are removed.
 * Invite keys are handed to `removeInvite`, which removes them with their indexes. Costs a read
 * of every key: an erasure is rare, and this is the only way to be sure nothing was missed.
 */
export async function scrubAddress(
  redis: Redis,
  name: string,
  emailKey: string,
  o: {
    /** The event id of an entry, when `key` is one of the feed's streams; else null. */
    feedEventId: (key: string, streamId: string) => string | null;
    /** Removes an invite if it is one of the tenants erased from; answers how many went. */
    removeInvite: (id: string) => Promise<number>;
    /**
     * The tenants erased from, or null for every one. With tenants named, suppression keys are
     * left alone (the erase script turned theirs into digests) and feed events and webhook log
     * entries of other tenants stay.
     */
    tenants: Set<string> | null;
  },
): Promise<ScrubCounts> {
  const counts: ScrubCounts = { invites: 0, events: 0, deliveries: 0, other: 0 };
  const hit = (s: string) => s.toLowerCase().includes(emailKey);
  const pattern = new RegExp(emailKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  const replaced = (s: string) => s.replace(pattern, ERASED);
  const erasedEvents = new Set<string>();
  const isLog = (key: string) => /:whk:[^:]+:log$/.test(key);

  async function scrubKey(key: string) {
    const type = await redis.type(key);
    if (type === 'string') {
      const v = await redis.get(key);
      if (v === null || !hit(v)) return;
      const invite = /:inv:(inv_[0-9a-z]+)$/.exec(key);
      if (invite) {
        counts.invites += await o.removeInvite(invite[1]);
      } else {
        await redis.del(key);
        counts.other++;
      }
    } else if (type === 'hash') {
      for (const [f, v] of Object.entries(await redis.hgetall(key))) {
        if (hit(f)) await redis.hdel(key, f);
        else if (hit(v)) await redis.hset(key, f, replaced(v));
        else continue;
        counts.other++;
      }
    } else if (type === 'list') {
      const items = await redis.lrange(key, 0, -1);
      for (let i = 0; i < items.length; i++) {
        if (!hit(items[i])) continue;
        await redis.lset(key, i, replaced(items[i]));
        counts.other++;
      }
    } else if (type === 'set') {
      const gone = (await redis.smembers(key)).filter(hit);
      if (gone.length) counts.other += await redis.srem(key, ...gone);
    } else if (type === 'zset') {
      const gone = (await redis.zrange(key, 0, -1)).filter(hit);
      if (gone.length) counts.other += await redis.zrem(key, ...gone);
    } else if (type === 'stream') {
      const feed = o.feedEventId(key, '0-1') !== null;
      const log = isLog(key);
      // A log entry is {a: JSON with the eventId it delivered}.
      const ofErased = (fields: string[]) =>
        log &&
        fields[0] === 'a' &&
        erasedEvents.has((JSON.parse(fields[1]) as { eventId?: string }).eventId ?? '');
      // Erasing from some tenants: a feed event of theirs, a log entry of an erased event.
      const ours = (fields: string[]) => !o.tenants || (feed ? o.tenants.has(tenantOfFields(fields)) : !log);
      for (let start = '-'; ;) {
        const page = await redis.xrange(key, start, '+', 'COUNT', 1000);
        const gone = page
          .filter(([, fields]) => (fields.some(hit) && ours(fields)) || ofErased(fields))
          .map(([id]) => id);
        if (gone.length) {
          const n = await redis.xdel(key, ...gone);
          if (feed) {
            counts.events += n;
            for (const id of gone) erasedEvents.add(o.feedEventId(key, id)!);
          } else if (log) counts.deliveries += n;
          else counts.other += n;
        }
        if (page.length < 1000) break;
        start = `(${page[page.length - 1][0]}`;
      }
    }
  }

  const keys: string[] = [];
  for (const match of allKeyPatterns(name)) keys.push(...(await scanKeys(redis, match)));
  const ofSuppressions = (key: string) =>
    new RegExp(`:(${N.suppressions}|${N.suppressionOrder}(:.*)?)$`).test(key);
  if (o.tenants) keys.splice(0, keys.length, ...keys.filter((key) => !ofSuppressions(key)));
  // Webhook logs last: by then every erased feed event is known.
  for (const key of keys) if (!isLog(key)) await scrubKey(key);
  for (const key of keys) if (isLog(key)) await scrubKey(key);
  return counts;
}
