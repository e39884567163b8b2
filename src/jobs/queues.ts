import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { JobPort } from '../invites/service.js';

export const DELIVERY = 'delivery';
export const MAINTENANCE = 'maintenance';
export const SWEEP_SCHEDULER = 'expiry-sweep';

// Job data holds ids only: never a code, an address or rendered mail.
export const sendPayload = z.strictObject({
  inviteId: z.string().max(64),
  seq: z.number().int().min(1),
  batchId: z.string().max(64).nullable(),
});
export const createPayload = z.strictObject({ batchId: z.string().max(64), chunk: z.number().int().min(0) });
export const expirePayload = z.strictObject({});

export interface QueueSettings {
  prefix: string;
  sendAttempts: number;
  sendBackoff: number;
}

/** BullMQ's own key prefix, kept under ours so one Redis can hold several Heralds. */
export const bullPrefix = (prefix: string) => `${prefix}:q`;

export type Queues = ReturnType<typeof createQueues>;

/** The two queues, and the JobPort the domain uses to fill them. */
export function createQueues(connection: Redis, s: QueueSettings) {
  const prefix = bullPrefix(s.prefix);
  const delivery = new Queue(DELIVERY, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: s.sendAttempts,
      backoff: { type: 'exponential', delay: s.sendBackoff, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    },
  });
  const maintenance = new Queue(MAINTENANCE, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: { count: 100 } },
  });

  const port: JobPort = {
    async send(items, kind = 'send') {
      if (items.length === 0) return;
      // The job id names the invite and send number, so adding the same send twice is a no-op.
      await delivery.addBulk(
        items.map((data) => ({ name: kind, data: sendPayload.parse(data), opts: { jobId: `${kind}.${data.inviteId}.${data.seq}` } })),
      );
    },
    async createChunks(batchId, chunks) {
      await delivery.addBulk(
        Array.from({ length: chunks }, (_, chunk) => ({
          name: 'create',
          data: createPayload.parse({ batchId, chunk }),
          opts: { jobId: `create.${batchId}.${chunk}`, attempts: 10, backoff: { type: 'exponential', delay: 500 } },
        })),
      );
    },
    async sweep() {
      const job = await maintenance.add('expire', {});
      return job.id!;
    },
  };

  return {
    delivery,
    maintenance,
    port,
    /** Makes the expiry scheduler exist exactly once, whatever the number of workers. */
    async scheduleSweeps(every: number) {
      await maintenance.upsertJobScheduler(SWEEP_SCHEDULER, { every }, { name: 'expire', data: {} });
    },
    async close() {
      await Promise.all([delivery.close(), maintenance.close()]);
    },
  };
}
