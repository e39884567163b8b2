import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createEventStore } from './events/store.js';
import { createFeed } from './events/feed.js';
import { createDomain } from './invites/domain.js';
import { startDispatcher } from './jobs/dispatcher.js';
import { createWebhookQueues } from './jobs/webhook-queues.js';
import { startWebhookWorkers } from './jobs/webhook-workers.js';
import { createEndpoints } from './webhooks/endpoints.js';
import { createEndpointStore } from './webhooks/store.js';
import { createVault } from './vault.js';
import { createSendLimits } from './mail/rates.js';
import { createVerp } from './mail/verp.js';
import { createBounces } from './suppressions/bounces.js';
import { createSuppressionStore } from './suppressions/store.js';
import { createSuppressions } from './suppressions/suppressions.js';
import { createUnsubscribeTokens } from './suppressions/unsubscribe.js';
import { createQueues } from './jobs/queues.js';
import { HEARTBEAT_MS, startWorkers } from './jobs/workers.js';
import { createLogger, type Logger } from './logger.js';
import { loadTemplates } from './mail/templates.js';
import { outboxTransport, smtpTransport, type MailTransport } from './mail/transport.js';
import { createMetrics } from './metrics.js';
import { createErasures } from './erasure/erasure.js';
import { createBrandingStore } from './branding/store.js';
import { createTemplateStore } from './templates/store.js';
import { createLooks } from './templates/looks.js';
import { createTemplateService } from './templates/service.js';
import { createPolicies } from './policy/store.js';
import { checkLayout, checkPartitions, dataPrefix } from './keys.js';
import { checkDeliveryShards } from './jobs/shards.js';
import { apiRedis, checkRedisVersion, workerRedis } from './redis.js';

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
  /** The delivery watchdog's period and wait (src/jobs/watchdog.ts); tests shorten them. */
  watchdog?: { everyMs: number; stuckAfterMs: number };
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
  const prefix = o.prefix ?? 'herald'; // queues derive their prefixes from it (src/keys.ts)
  const data = dataPrefix(prefix);
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? createLogger(c.LOG_LEVEL);
  const metrics = createMetrics();
  const settings = {
    secret: o.secret,
    publicUrl: c.PUBLIC_URL,
    inviteTtl: c.INVITE_TTL,
    inviteRetention: c.INVITE_RETENTION,
    approvalTtl: c.APPROVAL_TTL,
    redirectAllowlist: c.REDIRECT_ALLOWLIST,
    resendCooldown: c.RESEND_COOLDOWN,
    bulkMax: c.BULK_MAX,
    reminders: c.REMINDERS ?? [],
  };
  const vault = createVault(o.secret);
  const verp = createVerp(o.secret, c.BOUNCE_ADDRESS);
  const unsubscribe = createUnsubscribeTokens(o.secret, c.PUBLIC_URL);
  const queueSettings = {
    prefix,
    shards: c.DELIVERY_SHARDS,
    sendAttempts: c.SEND_ATTEMPTS,
    sendBackoff: c.SEND_BACKOFF,
  };
  const connections: Redis[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  let app: FastifyInstance | null = null;
  let workers: Herald['workers'] = null;

  // The files under templates/ (version 0 of every template), compiled once for both roles.
  const files = await loadTemplates(o.templatesDir ?? new URL('../templates', import.meta.url).pathname);

  /** One connection with its queues and domain; each role gets its own. */
  async function connect(role: 'api' | 'worker') {
    const target = { url: c.REDIS_URL, cluster: c.REDIS_CLUSTER_NODES };
    const redis = watch(role === 'api' ? apiRedis(target) : workerRedis(target), logger, role);
    connections.push(redis);
    // A worker's own reads and scripts share socket writes across concurrent jobs (auto-pipelining,
    // as the API's connection does); BullMQ keeps a plain connection, which its scripts expect.
    const own =
      role === 'api' ? redis : watch(workerRedis(target, { enableAutoPipelining: true }), logger, role);
    if (own !== redis) connections.push(own);
    await waitReady(redis);
    await waitReady(own);
    await checkRedisVersion(redis);
    await checkLayout(redis, prefix);
    await checkPartitions(redis, prefix, c.REDIS_PARTITIONS);
    await checkDeliveryShards(redis, prefix, c.DELIVERY_SHARDS);
    const queues = createQueues(redis, queueSettings);
    const webhookQueues = createWebhookQueues(redis, { prefix, attempts: c.WEBHOOK_ATTEMPTS });
    closers.push(
      () => queues.close(),
      () => webhookQueues.close(),
    );
    const events = createEventStore(own, data, c.REDIS_PARTITIONS);
    const endpointStore = createEndpointStore(own, data);
    const endpoints = createEndpoints(endpointStore, events, webhookQueues.port, vault, clock, {
      allowPrivate: c.WEBHOOK_ALLOW_PRIVATE,
    });
    const policies = createPolicies(own, data);
    const branding = createBrandingStore(own, data);
    const templateStore = createTemplateStore(own, data);
    const looks = createLooks({ templates: templateStore, branding, filesLocale: files.localeFor });
    const suppressionReads = createSuppressionStore(own, data, c.REDIS_PARTITIONS);
    const domain = createDomain(own, {
      prefix: data,
      partitions: c.REDIS_PARTITIONS,
      clock,
      jobs: queues.port,
      policy: policies.port(),
      settings,
    });
    return {
      redis,
      queues,
      webhookQueues,
      suppressions: createSuppressions(domain.store, suppressionReads, clock),
      bounces: createBounces(domain.store, verp, clock),
      policies,
      erasures: createErasures({ redis, name: prefix, store: domain.store, events, clock }),
      events,
      feed: createFeed(events, c.PUBLIC_URL),
      endpointStore,
      endpoints,
      branding,
      looks,
      templateService: createTemplateService({
        store: templateStore,
        looks,
        files,
        clock,
        publicUrl: c.PUBLIC_URL,
        jobs: queues.port,
        suppressed: async (tenant, emailKey) => (await suppressionReads.get(tenant, emailKey)) !== null,
      }),
      ...domain,
    };
  }

  try {
    if (o.roles.worker) {
      const w = await connect('worker');
      const transport =
        o.transport ??
        (c.SMTP_URL ? smtpTransport(c.SMTP_URL, c.SMTP_POOL, c.dkim) : outboxTransport(c.OUTBOX_DIR, c.dkim));
      workers = await startWorkers({
        connection: w.redis,
        logger,
        prefix,
        concurrency: c.WORKER_CONCURRENCY,
        shards: c.DELIVERY_SHARDS,
        store: w.store,
        service: w.service,
        bulk: w.bulk,
        repairDeliveries: w.repairDeliveries,
        clock,
        transport,
        templates: files,
        looks: w.looks,
        templateService: w.templateService,
        metrics,
        mailFrom: c.MAIL_FROM,
        messageDomain: new URL(c.PUBLIC_URL).hostname || 'herald.local',
        heartbeatMs: o.heartbeatMs,
        repairAfterMs: c.DELIVERY_REPAIR_AFTER * 1000,
        trimEvents: () => w.events.trim(Date.now() - c.EVENT_RETENTION * 1000),
        readyJobs: (shard) => w.queues.readyJobs(shard),
        watchdog: o.watchdog,
        jobs: w.queues.port,
        verp,
        limits: createSendLimits(w.redis, data, c.SEND_RATE, c.DOMAIN_RATES),
        unsubscribeUrl: unsubscribe.url,
      });
      closers.unshift(() => workers!.close());
      await w.queues.scheduleSweeps(c.EXPIRY_SWEEP_EVERY);
      const webhookDeps = {
        endpoints: w.endpoints,
        endpointStore: w.endpointStore,
        events: w.events,
        clock,
        logger,
        publicUrl: c.PUBLIC_URL,
        timeoutMs: c.WEBHOOK_TIMEOUT,
        allowPrivate: c.WEBHOOK_ALLOW_PRIVATE,
      };
      const hooks = await startWebhookWorkers({
        ...webhookDeps,
        connection: w.redis,
        prefix,
        backoffMs: c.WEBHOOK_BACKOFF,
      });
      const reader = watch(w.redis.duplicate(), logger, 'worker');
      connections.push(reader);
      const dispatcher = startDispatcher({
        connection: reader,
        redis: w.redis,
        prefix: data,
        events: w.events,
        endpointStore: w.endpointStore,
        queues: w.webhookQueues,
        logger,
      });
      closers.unshift(
        () => dispatcher.close(),
        () => hooks.close(),
      );
    }
    if (o.roles.api) {
      // Loaded only here, so a worker-only process does not carry the HTTP stack in memory.
      const { buildApp } = await import('./http/app.js');
      const a = await connect('api');
      app = await buildApp({
        logger,
        redis: a.redis,
        domain: a,
        feed: a.feed,
        endpoints: a.endpoints,
        suppressions: a.suppressions,
        bounces: a.bounces,
        erasures: a.erasures,
        policies: a.policies,
        branding: a.branding,
        templateService: a.templateService,
        senderDomains: c.SENDER_DOMAINS,
        queues: [...a.queues.deliveries, a.queues.maintenance],
        unsubscribe,
        jobs: a.queues.port,
        metrics,
        clock,
        apiKeys: o.apiKeys,
        bulkMax: c.BULK_MAX,
        publicUrl: c.PUBLIC_URL,
        redirectAllowlist: c.REDIRECT_ALLOWLIST,
        publicRateLimit: c.PUBLIC_RATE_LIMIT,
        heartbeatMs: o.heartbeatMs ?? HEARTBEAT_MS,
        trustProxy: c.TRUST_PROXY,
        metricsToken: c.METRICS_TOKEN,
        queueCounts: async () => ({
          delivery: await a.queues.deliveryCounts('waiting', 'active', 'delayed', 'failed'),
          maintenance: await a.queues.maintenance.getJobCounts('waiting', 'active', 'delayed', 'failed'),
        }),
      });
      closers.unshift(() => app!.close());
      if (c.BOUNCE_SMTP_PORT !== undefined) {
        const { startBounceServer } = await import('./mail/bounce-server.js');
        const listener = await startBounceServer({
          port: c.BOUNCE_SMTP_PORT,
          host: c.HOST,
          verp,
          bounces: a.bounces,
          logger,
        });
        closers.unshift(() => listener.close());
      }
    }
    // Last, so it serves what the API registered too (fleet counters, queue depth).
    if (c.METRICS_PORT !== undefined) {
      const { startMetricsServer } = await import('./http/metrics-server.js');
      const server = await startMetricsServer(metrics, c.METRICS_PORT, c.HOST, logger);
      closers.unshift(() => server.close());
    }
  } catch (err) {
    for (const r of connections) r.disconnect();
    throw err;
  }

  let closing: Promise<void> | null = null;
  /** Runs every closer even when one throws; the first error is rethrown once all have run. */
  async function closeAll() {
    const errors: unknown[] = [];
    for (const close of closers)
      await Promise.resolve()
        .then(close)
        .catch((err) => errors.push(err));
    await Promise.all(connections.map((r) => r.quit().catch(() => r.disconnect())));
    if (errors.length) throw errors[0];
  }

  return {
    app,
    workers,
    connections,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
