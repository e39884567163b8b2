import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createQueries } from './invites/queries.js';
import { createService } from './invites/service.js';
import { createStore } from './invites/store.js';
import { createQueues } from './jobs/queues.js';
import { HEARTBEAT_MS, startWorkers } from './jobs/workers.js';
import { createLogger, type Logger } from './logger.js';
import { loadTemplates } from './mail/templates.js';
import { outboxTransport, smtpTransport, type MailTransport } from './mail/transport.js';
import { createMetrics } from './metrics.js';
import { apiRedis, workerRedis } from './redis.js';

export interface HeraldOptions {
  config: Config;
  /** Resolved secrets (src/secrets.ts makes them for `npm start` when unset). */
  secret: string;
  apiKeys: string[];
  roles: { api: boolean; worker: boolean };
  /** Key prefix in Redis; tests give each suite its own. */
  prefix?: string;
  clock?: Clock;
  logger?: Logger;
  transport?: MailTransport;
  templatesDir?: string;
  /** Worker heartbeat period in ms (tests shorten it); /readyz allows three missed beats. */
  heartbeatMs?: number;
}

export interface Herald {
  app: FastifyInstance | null;
  workers: Awaited<ReturnType<typeof startWorkers>> | null;
  connections: Redis[];
  close(): Promise<void>;
}

/** Logs connection errors once per distinct message (ioredis repeats them on every retry). */
function watch(r: Redis, logger: Logger, role: string): Redis {
  let last = '';
  r.on('error', (err: Error) => {
    if (err.message !== last) logger.warn({ role, err: err.message }, 'Redis connection error');
    last = err.message;
  });
  r.on('ready', () => {
    if (last) logger.info({ role }, 'Redis connection restored');
    last = '';
  });
  return r;
}

const waitReady = (r: Redis) =>
  new Promise<void>((resolve, reject) => {
    if (r.status === 'ready') return resolve();
    const t = setTimeout(() => reject(new Error(`Redis did not answer within 5 s`)), 5000);
    r.once('ready', () => (clearTimeout(t), resolve()));
  });

/** Wires config, connections and parts together: the API, the workers, or both. */
export async function createHerald(o: HeraldOptions): Promise<Herald> {
  const c = o.config;
  const prefix = o.prefix ?? 'herald';
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? createLogger(c.LOG_LEVEL);
  const metrics = createMetrics();
  const settings = {
    secret: o.secret, publicUrl: c.PUBLIC_URL, inviteTtl: c.INVITE_TTL, redirectAllowlist: c.REDIRECT_ALLOWLIST,
    resendCooldown: c.RESEND_COOLDOWN, bulkMax: c.BULK_MAX,
  };
  const queueSettings = { prefix, sendAttempts: c.SEND_ATTEMPTS, sendBackoff: c.SEND_BACKOFF };
  const connections: Redis[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  let app: FastifyInstance | null = null;
  let workers: Herald['workers'] = null;

  try {
    if (o.roles.worker) {
      const wr = watch(workerRedis(c.REDIS_URL), logger, 'worker');
      connections.push(wr);
      await waitReady(wr);
      const store = createStore(wr, prefix);
      const queues = createQueues(wr, queueSettings);
      closers.push(() => queues.close());
      const service = createService(store, queues.port, clock, settings);
      const transport = o.transport ?? (c.SMTP_URL ? smtpTransport(c.SMTP_URL, c.SMTP_POOL) : outboxTransport(c.OUTBOX_DIR));
      const templates = await loadTemplates(o.templatesDir ?? new URL('../templates', import.meta.url).pathname);
      workers = await startWorkers({
        connection: wr, logger, prefix, concurrency: c.WORKER_CONCURRENCY, store, service, clock, transport, templates, metrics,
        mailFrom: c.MAIL_FROM, messageDomain: new URL(c.PUBLIC_URL).hostname || 'herald.local', heartbeatMs: o.heartbeatMs,
      });
      closers.unshift(() => workers!.close());
      await queues.scheduleSweeps(c.EXPIRY_SWEEP_EVERY);
      if (!o.roles.api && c.METRICS_PORT !== undefined) {
        const { startMetricsServer } = await import('./http/metrics-server.js');
        const server = await startMetricsServer(metrics, c.METRICS_PORT, c.HOST, logger);
        closers.unshift(() => server.close());
      }
    }
    if (o.roles.api) {
      // Loaded only here, so a worker-only process does not carry the HTTP stack in memory.
      const [{ buildApp }, { landingRoutes }] = await Promise.all([import('./http/app.js'), import('./http/landing.js')]);
      const ar = watch(apiRedis(c.REDIS_URL), logger, 'api');
      connections.push(ar);
      await waitReady(ar);
      const store = createStore(ar, prefix);
      const queues = createQueues(ar, queueSettings);
      closers.push(() => queues.close());
      const service = createService(store, queues.port, clock, settings);
      const queries = createQueries(store, clock, o.secret, service.view);
      app = await buildApp({
        logger, redis: ar, store, service, queries, jobs: queues.port, metrics, apiKeys: o.apiKeys,
        publicRateLimit: c.PUBLIC_RATE_LIMIT,
        heartbeatMs: o.heartbeatMs ?? HEARTBEAT_MS,
        trustProxy: c.TRUST_PROXY,
        queueCounts: async () => ({
          delivery: await queues.delivery.getJobCounts('waiting', 'active', 'delayed', 'failed'),
          maintenance: await queues.maintenance.getJobCounts('waiting', 'active', 'delayed', 'failed'),
        }),
        plugins: [(scope) => landingRoutes(scope, { queries, service, publicUrl: c.PUBLIC_URL, redirectAllowlist: c.REDIRECT_ALLOWLIST, clock, rateLimit: { max: c.PUBLIC_RATE_LIMIT, timeWindow: 60_000 } })],
      });
      closers.unshift(() => app!.close());
    }
  } catch (err) {
    for (const r of connections) r.disconnect();
    throw err;
  }

  return {
    app,
    workers,
    connections,
    async close() {
      for (const close of closers) await close();
      await Promise.all(connections.map((r) => r.quit().catch(() => r.disconnect())));
    },
  };
}
