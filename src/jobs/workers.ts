import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Bulk } from '../invites/bulk.js';
import type { Domain } from '../invites/domain.js';
import type { Logger } from '../logger.js';
import { queuePrefix } from '../keys.js';
import { DELIVERY, MAINTENANCE, expirePayload, purgePayload } from './queues.js';
import { createProcessor } from './create.js';
import { expireProcessor } from './expire.js';
import { sendProcessor, type SendDeps } from './send.js';
import { testSendProcessor } from './test-send.js';
import type { TemplateService } from '../templates/service.js';
import { watchShards, type ShardWatch } from './watchdog.js';

export interface WorkerDeps extends SendDeps {
  connection: Redis;
  logger: Logger;
  prefix: string;
  /** Sends in flight per process, shared by the delivery shards. */
  concurrency: number;
  templateService: TemplateService;
  /** How many delivery queues to consume (DELIVERY_SHARDS). */
  shards?: number;
  bulk: Bulk;
  repairDeliveries: Domain['repairDeliveries'];
  /** How long a send may stay queued without a job before a sweep queues it again (ms). */
  repairAfterMs: number;
  trimEvents: () => Promise<number>;
  /** Jobs of a delivery shard ready to run now: the watchdog's measure (src/jobs/watchdog.ts). */
  readyJobs: (shard: number) => Promise<number>;
  /** Tests shorten the watchdog's wait (STUCK_AFTER_MS) and period. */
  watchdog?: { everyMs: number; stuckAfterMs: number };
  /** How often a consuming worker says so in Redis (ms); readiness allows three missed beats. */
  heartbeatMs?: number;
}

export const HEARTBEAT_MS = 5000;

/**
 * Redis must never drop queue or invite keys; anything but noeviction could lose invites. On a
 * cluster every master is asked: the partitions on one that evicts would lose theirs.
 */
export async function checkEvictionPolicy(redis: Redis): Promise<void> {
  // A Cluster is handed around typed as Redis (src/redis.ts).
  const client: unknown = redis;
  const nodes = client instanceof Cluster ? client.nodes('master') : [redis];
  for (const node of nodes) {
    let policy: string | undefined;
    try {
      policy = ((await node.config('GET', 'maxmemory-policy')) as string[])[1];
    } catch {
      return; // CONFIG is disabled on some hosted Redis; their docs say how to set the policy
    }
    if (policy && policy !== 'noeviction') {
      const where = nodes.length > 1 ? ` on ${node.options.host}:${node.options.port}` : '';
      throw new Error(
        `Redis maxmemory-policy is "${policy}"${where}; Herald's workers need "noeviction" (set maxmemory-policy noeviction).`,
      );
    }
  }
}

/** Starts the delivery and maintenance workers; returns a function that stops them gracefully. */
export async function startWorkers(d: WorkerDeps) {
  await checkEvictionPolicy(d.connection);
  const send = sendProcessor(d);
  const create = createProcessor(d.bulk);
  const testSend = testSendProcessor(d);
  const shards = d.shards ?? 1;
  const concurrency = Math.max(1, Math.ceil(d.concurrency / shards));
  const run = (job: Job, token?: string) => {
    switch (job.name) {
      case 'create':
        return create(job);
      case 'test-send':
        return testSend(job);
      case 'send':
      case 'resend':
      case 'reminder':
        return send(job, token);
      default:
        throw new UnrecoverableError(`unknown job ${job.name}`);
    }
  };
  let paused = false;
  const watch: ShardWatch = watchShards({
    shards,
    concurrency,
    ready: d.readyJobs,
    paused: () => paused,
    logger: d.logger,
    ...d.watchdog,
    make: (shard) =>
      logFailures(
        new Worker(
          DELIVERY,
          async (job: Job, token?: string) => {
            watch.track(shard, true);
            try {
              return await run(job, token);
            } finally {
              watch.track(shard, false);
            }
          },
          // Locks are renewed while a job runs, so a short lock only shortens how long the jobs of a
          // killed worker wait before another worker takes them over.
          {
            connection: d.connection,
            prefix: queuePrefix(d.prefix, 'delivery', String(shard)),
            concurrency,
            lockDuration: 15_000,
            stalledInterval: 5_000,
            maxStalledCount: 5,
          },
        ),
      ),
  });
  const deliveries = () => Array.from({ length: shards }, (_, s) => watch.worker(s));
  const expire = expireProcessor({
    domain: d,
    metrics: d.metrics,
    repairAfterMs: d.repairAfterMs,
    trimEvents: d.trimEvents,
  });
  const maintenance = logFailures(
    new Worker(
      MAINTENANCE,
      async (job: Job) => {
        if (job.name === 'purge-tenant') {
          const { tenant, before } = purgePayload.parse(job.data);
          return d.service.purgeTenant(tenant, before);
        }
        expirePayload.parse(job.data);
        return expire();
      },
      { connection: d.connection, prefix: queuePrefix(d.prefix, 'maintenance'), concurrency: 1 },
    ),
  );
  // Readiness asks for a recent beat, so a worker that stopped consuming stops counting.
  const me = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const beat = async () => {
    if (deliveries().every((w) => w.isRunning() && !w.isPaused()))
      await d.store.heartbeat(me, Date.now()).catch(() => {});
  };
  const timer = setInterval(() => void beat(), d.heartbeatMs ?? HEARTBEAT_MS);
  await beat();
  return {
    /** Each shard's worker now (the watchdog may have replaced one). */
    deliveries,
    maintenance,
    /** Stops (and starts again) taking delivery jobs, on every shard. */
    async pause() {
      paused = true;
      await Promise.all(deliveries().map((w) => w.pause()));
    },
    resume() {
      paused = false;
      for (const w of deliveries()) w.resume();
    },
    /** Stops taking jobs, lets active ones finish, closes the SMTP pool. */
    async close() {
      clearInterval(timer);
      watch.stop();
      await Promise.all([...deliveries().map((w) => w.close()), maintenance.close()]);
      d.transport.close();
    },
  };

  function logFailures(w: Worker) {
    w.on('failed', (job, err) =>
      d.logger.warn({ job: job?.name, id: job?.id, err: err.message }, 'job failed'),
    );
    w.on('error', (err) => d.logger.error({ err: err.message }, 'worker error'));
    return w;
  }
}
