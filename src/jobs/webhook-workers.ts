import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { EndpointStore } from '../webhooks/store.js';
import { queuePrefix } from '../keys.js';
import { webhookBackoff, webhookProcessor, type WebhookDeliveryDeps } from './webhook-delivery.js';
import { webhookQueueName, WEBHOOK_BACKOFF_TYPE } from './webhook-queues.js';

export interface WebhookWorkerDeps extends WebhookDeliveryDeps {
  connection: Redis;
  prefix: string;
  endpointStore: EndpointStore;
  logger: Logger;
  backoffMs: number;
  /** How often the list of endpoints is read again (ms). */
  refreshMs?: number;
}

/**
 * One BullMQ worker per endpoint queue (each runs one delivery at a time; the queue's global
 * concurrency of 1 keeps it so across processes), started and stopped as endpoints come and go.
 */
export async function startWebhookWorkers(d: WebhookWorkerDeps) {
  const workers = new Map<string, Worker>();
  const backoffStrategy = webhookBackoff(d.backoffMs);

  async function refresh() {
    const ids = new Set((await d.endpointStore.list()).map((e) => e.id));
    for (const id of ids) {
      if (workers.has(id)) continue;
      const w = new Worker(webhookQueueName(id), webhookProcessor(id, d), {
        connection: d.connection,
        prefix: queuePrefix(d.prefix, 'webhook', id),
        concurrency: 1,
        // Renewed while a delivery runs; short so a killed worker's delivery is taken over soon.
        lockDuration: 10_000,
        stalledInterval: 5_000,
        settings: {
          backoffStrategy: (attemptsMade, type, err) =>
            type === WEBHOOK_BACKOFF_TYPE ? backoffStrategy(attemptsMade, type, err) : 1000,
        },
      });
      w.on('error', (err) => d.logger.error({ err: err.message, endpoint: id }, 'webhook worker error'));
      workers.set(id, w);
    }
    for (const [id, w] of workers) {
      if (!ids.has(id)) {
        workers.delete(id);
        await w.close();
      }
    }
  }

  await refresh();
  let refreshing = Promise.resolve();
  const timer = setInterval(() => {
    refreshing = refreshing
      .then(refresh)
      .catch((err: Error) => d.logger.warn({ err: err.message }, 'webhook workers'));
  }, d.refreshMs ?? 2000);

  return {
    refresh: () => (refreshing = refreshing.then(refresh)),
    async close() {
      clearInterval(timer);
      await refreshing.catch(() => {});
      await Promise.all([...workers.values()].map((w) => w.close()));
      workers.clear();
    },
  };
}
