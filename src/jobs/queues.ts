import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { partitioning } from '../invites/partitions.js';
import type { JobPort, SendItem } from '../invites/ports.js';
import { queuePrefix } from '../keys.js';

export const DELIVERY = 'delivery';
export const MAINTENANCE = 'maintenance';
export const SWEEP_SCHEDULER = 'expiry-sweep';

// Job data holds ids only: never a code, an address or rendered mail.
export const sendPayload = z.strictObject({
  inviteId: z.string().max(64),
  seq: z.number().int().min(1),
  batchId: z.string().max(64).nullable(),
});
/** A reminder: which of the invite's reminder delays this is (0-based). */
export const reminderPayload = z.strictObject({
  inviteId: z.string().max(64),
  slot: z.number().int().min(0).max(2),
});
export const createPayload = z.strictObject({ batchId: z.string().max(64), chunk: z.number().int().min(0) });
export const expirePayload = z.strictObject({});
/**
 * A test send of a template (DESIGN §16): the one job that holds an address, since no invite
 * does; it is removed once done or failed.
 */
export const testSendPayload = z.strictObject({
  tenant: z.string().max(63),
  kind: z.string().max(40),
  locale: z.string().max(20),
  version: z.number().int().min(0).nullable(),
  to: z.string().max(254),
});
/** Removing a deleted tenant's invites (DESIGN §15). */
export const purgePayload = z.strictObject({
  tenant: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  before: z.number().int(),
});

export interface QueueSettings {
  prefix: string;
  /** How many delivery queues share the jobs (DELIVERY_SHARDS; 1 when left out). */
  shards?: number;
  sendAttempts: number;
  sendBackoff: number;
}

export type Queues = ReturnType<typeof createQueues>;

/**
 * The delivery queue (in `shards` shards, each its own hash tag, so a cluster spreads the queue
 * traffic over its masters), the maintenance queue, and the JobPort the domain uses to fill them.
 * An invite's jobs always go to the same shard (by its id), so a job id still names one job.
 */
export function createQueues(connection: Redis, s: QueueSettings) {
  const shards = s.shards ?? 1;
  const deliveries = Array.from(
    { length: shards },
    (_, i) =>
      new Queue(DELIVERY, {
        connection,
        prefix: queuePrefix(s.prefix, 'delivery', String(i)),
        defaultJobOptions: {
          attempts: s.sendAttempts,
          backoff: { type: 'exponential', delay: s.sendBackoff, jitter: 0.5 },
          removeOnComplete: true,
          removeOnFail: { count: 1000 },
        },
      }),
  );
  const shardOf = partitioning(shards).ofId;
  const forInvite = (inviteId: string) => deliveries[shardOf(inviteId)];
  const maintenance = new Queue(MAINTENANCE, {
    connection,
    prefix: queuePrefix(s.prefix, 'maintenance'),
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { count: 100 },
    },
  });

  // The job id names the invite and send number (not the kind: a send number is used once per
  // invite), so adding the same send twice is a no-op while its job exists.
  const sendJobId = (item: SendItem) => `send.${item.inviteId}.${item.seq}`;
  const addSends = async (items: SendItem[], kind: 'send' | 'resend') => {
    const byShard = new Map<Queue, SendItem[]>();
    for (const item of items) {
      const q = forInvite(item.inviteId);
      const mine = byShard.get(q);
      if (mine) mine.push(item);
      else byShard.set(q, [item]);
    }
    await Promise.all(
      [...byShard].map(([q, mine]) =>
        q.addBulk(
          mine.map(({ delayMs, ...data }) => ({
            name: kind,
            data: sendPayload.parse(data),
            opts: { jobId: sendJobId(data), ...(delayMs ? { delay: delayMs } : {}) },
          })),
        ),
      ),
    );
  };

  const port: JobPort = {
    send: (items, kind = 'send') => addSends(items, kind),
    async requeueMissing(items) {
      const states = await Promise.all(items.map((i) => forInvite(i.inviteId).getJobState(sendJobId(i))));
      const missing = items.filter((_, n) => states[n] === 'unknown');
      for (const kind of ['send', 'resend'] as const) {
        await addSends(
          missing.filter((i) => (i.seq === 1) === (kind === 'send')),
          kind,
        );
      }
      return missing.length;
    },
    async remind(inviteId, delays, sentAt, now) {
      // One job per slot, its id naming the slot: queued twice, it still runs once.
      await forInvite(inviteId).addBulk(
        delays.map((seconds, slot) => ({
          name: 'reminder',
          data: reminderPayload.parse({ inviteId, slot }),
          opts: { jobId: `reminder.${inviteId}.${slot}`, delay: Math.max(0, sentAt + seconds * 1000 - now) },
        })),
      );
    },
    async createChunks(batchId, chunks) {
      // Chunk N goes to shard N mod shards: a batch's chunks spread, and a retry finds its job.
      await Promise.all(
        Array.from({ length: chunks }, (_, chunk) =>
          deliveries[chunk % shards].add('create', createPayload.parse({ batchId, chunk }), {
            jobId: `create.${batchId}.${chunk}`,
            attempts: 10,
            backoff: { type: 'exponential', delay: 500 },
          }),
        ),
      );
    },
    async testSend(t) {
      await deliveries[0].add('test-send', testSendPayload.parse(t), {
        attempts: 3,
        removeOnComplete: true,
        removeOnFail: true,
      });
    },
    async sweep() {
      const job = await maintenance.add('expire', {});
      return job.id!;
    },
    async purgeTenant(tenant: string, before: number) {
      const job = await maintenance.add('purge-tenant', purgePayload.parse({ tenant, before }), {
        attempts: 10,
      });
      return job.id!;
    },
  };

  return {
    deliveries,
    maintenance,
    port,
    /** Job counts of the delivery shards, summed. */
    async deliveryCounts(...states: ('waiting' | 'active' | 'delayed' | 'failed')[]) {
      const all = await Promise.all(deliveries.map((q) => q.getJobCounts(...states)));
      const sum: Record<string, number> = {};
      for (const c of all) for (const [k, v] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + v;
      return sum;
    },
    /** Jobs of one delivery shard ready to run now (waiting or prioritized; not delayed). */
    async readyJobs(shard: number) {
      const c = await deliveries[shard].getJobCounts('waiting', 'prioritized');
      return (c.waiting ?? 0) + (c.prioritized ?? 0);
    },
    /** Makes the expiry scheduler exist exactly once, whatever the number of workers. */
    async scheduleSweeps(every: number) {
      await maintenance.upsertJobScheduler(SWEEP_SCHEDULER, { every }, { name: 'expire', data: {} });
    },
    async close() {
      await Promise.all([...deliveries.map((q) => q.close()), maintenance.close()]);
    },
  };
}
