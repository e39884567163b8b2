import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';
import { advance, parsePosition, positionText } from '../events/catalog.js';
import { inScopes } from '../access/scopes.js';
import { isAfter, tenantOf, type EventStore, type StreamEntry } from '../events/store.js';
import { parseDoc } from '../invites/store.js';
import type { Logger } from '../logger.js';
import type { EndpointRecord, EndpointStore } from '../webhooks/store.js';
import type { WebhookQueues } from './webhook-queues.js';

export interface DispatcherDeps {
  /** A connection of its own: reading the stream blocks it. */
  connection: Redis;
  redis: Redis;
  prefix: string;
  events: EventStore;
  endpointStore: EndpointStore;
  queues: WebhookQueues;
  logger: Logger;
  /** How long one blocking read waits for new events (ms). */
  blockMs?: number;
}

const LOCK_MS = 10_000;
const BATCH = 200;

/** Whether an endpoint should get an entry: made after it, of a type it wants, or a test for it. */
export function wants(e: EndpointRecord, entry: StreamEntry, tenant: string): boolean {
  if (!isAfter(parsePosition(e.since), entry.streamId)) return false;
  if (entry.to) return entry.to === e.id;
  // A tenant's endpoints get its events only, and one made by a key limited to scopeIds only
  // its scopes' invite events (DESIGN §15).
  if ((e.tenant ?? 'default') !== tenant) return false;
  if (e.scopeIds && !(entry.inv !== null && inScopes(e.scopeIds, parseDoc(entry.inv).scope))) return false;
  return e.events === null || e.events.includes(entry.type);
}

/**
 * Turns recorded events into delivery jobs, one per (event, endpoint), in the order they were
 * recorded. One dispatcher runs at a time across all workers (a lock renewed on every round),
 * so the jobs of one endpoint are added in order. The position is saved after the jobs are added:
 * a crash in between adds them again, and the job ids fold the repeats (at least once).
 */
export function startDispatcher(d: DispatcherDeps) {
  const lockKey = dataKeys(d.prefix).lock('dispatch');
  const token = randomUUID();
  let running = true;

  const holdLock = async (): Promise<boolean> => {
    const held = (await d.redis.eval(
      `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
       return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0`,
      1,
      lockKey,
      token,
      LOCK_MS,
    )) as number;
    return held === 1;
  };

  async function round() {
    if (!(await holdLock())) {
      await new Promise((r) => setTimeout(r, 1000));
      return;
    }
    let text = await d.endpointStore.dispatchedUpTo();
    if (text === null) {
      // No endpoint was ever made: nothing to deliver so far.
      text = positionText(await d.events.end());
      await d.endpointStore.setDispatchedUpTo(text);
    }
    const from = parsePosition(text);
    const entries = await d.events.waitAfter(d.connection, from, BATCH, d.blockMs ?? 1000);
    if (entries.length === 0 || !running) return;
    const endpoints = await d.endpointStore.list();
    const tenants = entries.map(tenantOf);
    for (const e of endpoints) {
      const mine = entries.filter((entry, i) => wants(e, entry, tenants[i])).map((entry) => entry.streamId);
      await d.queues.dispatch(e.id, mine);
    }
    await d.endpointStore.setDispatchedUpTo(
      positionText(
        advance(
          from,
          entries.map((entry) => entry.streamId),
        ),
      ),
    );
  }

  const loop = (async () => {
    while (running) {
      try {
        await round();
      } catch (err) {
        if (!running) break;
        d.logger.warn({ err: (err as Error).message }, 'webhook dispatcher');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();

  return {
    async close() {
      running = false;
      d.connection.disconnect(); // ends a blocking read at once
      await loop;
      await d.redis
        .eval(
          "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
          1,
          lockKey,
          token,
        )
        .catch(() => {});
    },
  };
}
