import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WebhookJobs } from '../webhooks/endpoints.js';
import { queuePrefix } from '../keys.js';

export interface WebhookQueueSettings {
  prefix: string;
  attempts: number;
}

/** Each endpoint has its own queue, so a slow or dead receiver holds up only itself. */
export const webhookQueueName = (endpointId: string) => `webhook.${endpointId}`;
export const WEBHOOK_BACKOFF_TYPE = 'webhook';

export type WebhookQueues = ReturnType<typeof createWebhookQueues>;

/** The per-endpoint delivery queues, as the dispatcher and the endpoints API fill them. */
export function createWebhookQueues(connection: Redis, s: WebhookQueueSettings) {
  const queues = new Map<string, Queue>();
  const options: JobsOptions = {
    attempts: s.attempts,
    backoff: { type: WEBHOOK_BACKOFF_TYPE },
    // Kept an hour, so that a dispatcher that re-adds an event after a crash is folded by job id.
    removeOnComplete: { age: 3600 },
    removeOnFail: { age: 7 * 86400, count: 1000 },
  };

  async function queue(endpointId: string): Promise<Queue> {
    let q = queues.get(endpointId);
    if (!q) {
      q = new Queue(webhookQueueName(endpointId), {
        connection,
        prefix: queuePrefix(s.prefix, 'webhook', endpointId),
      });
      queues.set(endpointId, q);
      // One delivery at a time per endpoint, across every worker process: events leave in order.
      await q.setGlobalConcurrency(1);
    }
    return q;
  }

  const port: WebhookJobs = {
    async redeliver(endpointId, streamId) {
      await (
        await queue(endpointId)
      ).add('webhook', { streamId }, { ...options, jobId: `${streamId}.r${Date.now()}` });
    },
    async drop(endpointId) {
      const q = await queue(endpointId);
      await q.obliterate({ force: true });
      queues.delete(endpointId);
      await q.close();
    },
  };

  return {
    port,
    /** Queues the first delivery of each event to one endpoint; the job id folds repeats. */
    async dispatch(endpointId: string, streamIds: string[]) {
      if (streamIds.length === 0) return;
      await (
        await queue(endpointId)
      ).addBulk(
        streamIds.map((streamId) => ({
          name: 'webhook',
          data: { streamId },
          opts: { ...options, jobId: streamId },
        })),
      );
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}
