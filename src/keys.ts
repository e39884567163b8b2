/*
 * Every key prefix Herald uses in Redis comes from here, from one name ("herald"; tests give each
 * run its own). On a Redis Cluster a Lua script or a MULTI may only touch keys of one hash slot,
 * and BullMQ keeps each queue's keys in one slot, so each prefix carries a hash tag ({…}):
 *
 *   {NAME}:…              Herald's own records (webhooks, batches, sessions, rate limits,
 *                         idempotency, locks) and, with one partition, the invites too
 *   {NAME:N}:…            invite partition N when REDIS_PARTITIONS > 1: invites, their indexes,
 *                         events, counters and suppressions; each script touches one partition
 *   {NAME:d}:delivery:…   BullMQ's delivery queue (create, send, resend, reminder jobs); with
 *                         DELIVERY_SHARDS > 1, shard N is {NAME:dN} (N ≥ 1), each its own tag
 *   {NAME:m}:maintenance:…  BullMQ's maintenance queue (expiry sweeps)
 *   {NAME:w:ID}:webhook.ID:…  one webhook queue per endpoint, each its own tag
 *
 * Different tags land in different slots, so on a cluster the queues and the data spread over
 * the masters; on one Redis the tags are just part of the names.
 */

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The prefix of Herald's own keys: `{name}`. */
export const dataPrefix = (name: string) => `{${name}}`;

/**
 * BullMQ's prefix for one queue family; webhook queues get one tag per endpoint, and the delivery
 * queue one per shard (`id`, the shard's number; the first keeps the plain `{name:d}`).
 */
export function queuePrefix(name: string, family: 'delivery' | 'maintenance' | 'webhook', id?: string) {
  if (family === 'webhook') return `{${name}:w:${id}}`;
  if (family === 'delivery' && id && id !== '0') return `{${name}:d${id}}`;
  return `{${name}:${family[0]}}`;
}

/** SCAN patterns that match every key Herald keeps under `name` (data, partitions, queues). */
export const allKeyPatterns = (name: string) => [`{${name}}*`, `{${name}:*`];

/**
 * The prefixes of the invite partitions. With one partition it is the data prefix itself (the
 * layout of a single Redis); with more, each is its own hash tag (`{name:0}` … for the data prefix `{name}`), so a cluster
 * spreads them over its masters while every script still touches one slot. Global records
 * (webhooks, batches, sessions, rate limits, locks) stay under the data prefix.
 */
export const partitionPrefixes = (data: string, n: number): string[] =>
  n === 1 ? [data] : Array.from({ length: n }, (_, i) => `${data.slice(0, -1)}:${i}}`);

/**
 * The layout of Herald's data in Redis, recorded with the data (`{name}:layout`). Before 1.0
 * Herald reads one layout only (DESIGN §18); data of another is refused, never misread.
 */
export const STORE_LAYOUT = '4';
/** What data with no recorded layout is: the release that wrote it without recording one. */
const UNRECORDED = '0.1.0';

/**
 * Refuses data of another layout with one line naming both and what to do, before writing any
 * key; records this layout on data that has none yet (a fresh Redis or prefix).
 */
export async function checkLayout(redis: Redis, name: string) {
  const D = dataKeys(dataPrefix(name));
  const stored = await redis.get(D.layout);
  // Release 0.1.0 wrote these on its first start and recorded no layout.
  const unrecorded = stored === null && (await redis.exists(D.partitions, D.deliveryShards, D.workers)) > 0;
  const found = stored ?? (unrecorded ? UNRECORDED : null);
  if (found !== null && found !== STORE_LAYOUT) {
    throw new Error(
      `Redis holds Herald data of layout ${found}${found === UNRECORDED ? ' (release 0.1.0, which recorded none)' : ''}, ` +
        `and this Herald reads layout ${STORE_LAYOUT} only; nothing was changed. Run the Herald that wrote it, ` +
        `or start this one on an empty Redis (another REDIS_URL database, or REDIS_CLUSTER_NODES of another cluster).`,
    );
  }
  if (found === null) await redis.set(D.layout, STORE_LAYOUT, 'NX');
}

/**
 * Records the number of partitions with the data the first time, and refuses to start with
 * another: an address's partition follows from the count, so changing it would hide invites.
 */
export async function checkPartitions(redis: Redis, name: string, count: number) {
  const key = dataKeys(dataPrefix(name)).partitions;
  await redis.set(key, String(count), 'NX');
  const stored = Number(await redis.get(key));
  if (stored !== count) {
    throw new Error(
      `Redis holds Herald data written with REDIS_PARTITIONS=${stored}, and this process has ` +
        `${count}. The count is fixed for the life of the data: set REDIS_PARTITIONS=${stored}.`,
    );
  }
}

/**
 * The names of the records under the data prefix D (not per invite). With one partition D is
 * also partition 0, so a batch's record and its share of counters are one hash.
 */
export const dataKeys = (D: string) => ({
  /** Prefix of @fastify/rate-limit's counters. */
  rateLimits: `${D}:rl:`,
  /** Prefix of the console's failed sign-ins per client address. */
  signInFailures: `${D}:signin`,
  /** SEND_RATE ('all') and DOMAIN_RATES ('domain:NAME') buckets. */
  sendRate: (scope: string) => `${D}:rate:${scope}`,
  consoleSession: (digest: string) => `${D}:console:${digest}`,
  webhooks: `${D}:whk`,
  webhookLog: (id: string) => `${D}:whk:${id}:log`,
  /** Tenants (DESIGN §15): id → record. */
  tenants: `${D}:tenants`,
  /** Tenant API keys (DESIGN §15): id → record, secret digest → id, id → last use. */
  keys: `${D}:keys`,
  keyDigests: `${D}:keys:digest`,
  keysUsed: `${D}:keys:used`,
  /** A tenant's branding (DESIGN §16), as JSON. */
  branding: (tenant: string) => `${D}:brand:${tenant}`,
  /** A tenant's template versions (DESIGN §16): KIND:LOCALE:N → the version as JSON. */
  templates: (tenant: string) => `${D}:tpl:${tenant}`,
  /** Its numbers: KIND:LOCALE:latest and KIND:LOCALE:published → N. */
  templatePointers: (tenant: string) => `${D}:tplp:${tenant}`,
  /** Test sends of a tenant's templates in one hour (at most 20). */
  templateTests: (tenant: string, hour: number) => `${D}:tpltest:${tenant}:${hour}`,
  /** A tenant's invite policy (DESIGN §17), as JSON. */
  policy: (tenant: string) => `${D}:policy:${tenant}`,
  /** Erasures done: address digest → erasure id (DESIGN §18). */
  erasures: `${D}:erasures`,
  /** How far the webhook dispatcher got (a feed position). */
  dispatched: `${D}:events:dispatched`,
  lock: (name: string) => `${D}:lock:${name}`,
  idempotency: (scope: string, key: string) => `${D}:idem:${scope}:${key}`,
  workers: `${D}:workers`,
  lastSweep: `${D}:lastSweep`,
  partitions: `${D}:partitions`,
  /** The data's layout version (STORE_LAYOUT). */
  layout: `${D}:layout`,
  deliveryShards: `${D}:deliveryShards`,
  batch: (id: string) => `${D}:${PARTITION_KEYS.batch}:${id}`,
  batchChunk: (id: string, n: number) =>
    `${D}:${PARTITION_KEYS.batch}:${id}:${PARTITION_KEYS.batchChunk}:${n}`,
  batches: `${D}:z:batches`,
});

/**
 * The names of one partition's keys after its prefix, declared once: partitionKeys builds them
 * for the TypeScript, and the Lua scripts get this table (LAYOUT.keys, lua/lib/base.lua's K) for k().
 */
export const PARTITION_KEYS = {
  invite: 'inv',
  trail: 'ev',
  codes: 'codes',
  index: 'o',
  queued: 'z:queued',
  batch: 'batch',
  batchEnded: 'ended',
  batchDone: 'done',
  batchChunk: 'chunk',
  stats: 'stats',
  hourly: 'st',
  events: 'events',
  suppressions: 'sup',
  suppressionOrder: 'z:sup',
} as const;
const N = PARTITION_KEYS;

/** The field an erasure leaves for a suppression field (lua/lib/suppressions.lua's erased_field). */
export const erasedSuppressionField = (field: string) => `#${createHash('sha1').update(field).digest('hex')}`;

/**
 * The keys of one partition (prefix P); invites/store.ts lists what each holds. Built once per
 * prefix: the hot paths ask for them on every call.
 */
export const partitionKeys = (P: string): PartitionKeys => {
  let k = built.get(P);
  if (!k) built.set(P, (k = buildPartitionKeys(P)));
  return k;
};
type PartitionKeys = ReturnType<typeof buildPartitionKeys>;
const built = new Map<string, PartitionKeys>();
const buildPartitionKeys = (P: string) => ({
  invite: (id: string) => `${P}:${N.invite}:${id}`,
  audit: (id: string) => `${P}:${N.trail}:${id}`,
  /** The hash holding a code digest's look-up (field: the digest, value: the invite id). */
  codes: (digest: string) => `${P}:${N.codes}:${digest.slice(0, 2)}`,
  /**
   * An ordered index (src/invites/lua/lib/ordered.lua): a sort index (created, updated, expires, due,
   * final) or a filter index (a LAYOUT.indexed kind). Its buckets are NAME:b:… (the first
   * NAME:b:), its directory NAME:d.
   */
  index: (name: string) => `${P}:${N.index}:${name}`,
  /** Invites with a send recorded as queued, by when (a plain sorted set: it stays small). */
  queued: `${P}:${N.queued}`,
  batchShare: (id: string) => `${P}:${N.batch}:${id}`,
  batchEnded: (id: string) => `${P}:${N.batch}:${id}:${N.batchEnded}`,
  chunkDone: (id: string, n: number) => `${P}:${N.batch}:${id}:${N.batchDone}:${n}`,
  stats: `${P}:${N.stats}`,
  hourly: (hour: number) => `${P}:${N.hourly}:${hour}`,
  events: `${P}:${N.events}`,
  eventsFloor: `${P}:${N.events}:floor`,
  suppressions: `${P}:${N.suppressions}`,
  /** A tenant's suppressions in time order (lua/lib/suppressions.lua's sup_order builds the same). */
  suppressionOrder: (tenant: string, reason?: string) =>
    `${P}:${N.suppressionOrder}${tenant === 'default' ? '' : `:t:${tenant}`}${reason ? `:${reason}` : ''}`,
  /** A tenant's field in `suppressions` (lua/lib/suppressions.lua's sup_field). */
  suppressionField: (tenant: string, emailKey: string) =>
    tenant === 'default' ? emailKey : `${tenant}|${emailKey}`,
  /** The field a bounce leaves for every tenant (lua/lib/suppressions.lua's shared_field). */
  sharedSuppressionField: (emailKey: string) => `!${emailKey}`,
});
