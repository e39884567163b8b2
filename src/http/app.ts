import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../clock.js';
import type { Domain } from '../invites/domain.js';
import type { Queue } from 'bullmq';
import type { Feed } from '../events/feed.js';
import type { JobPort } from '../invites/ports.js';
import type { Bounces } from '../suppressions/bounces.js';
import type { Erasures } from '../erasure/erasure.js';
import { erasureRoutes } from './routes/erasures.js';
import { brandingRoutes } from './routes/branding.js';
import { templateRoutes } from './routes/templates.js';
import { keyRoutes } from './routes/keys.js';
import { tenantRoutes } from './routes/tenants.js';
import type { Policies } from '../policy/store.js';
import { policyRoutes } from './routes/policy.js';
import type { Suppressions } from '../suppressions/suppressions.js';
import type { UnsubscribeTokens } from '../suppressions/unsubscribe.js';
import type { BrandingStore } from '../branding/store.js';
import type { TemplateService } from '../templates/service.js';
import type { Endpoints } from '../webhooks/endpoints.js';
import type { Metrics } from '../metrics.js';
import { errorBody, errorHandler } from './errors.js';
import { landingRoutes } from './landing.js';
import { documentRoutes, documentTransform } from './operations.js';
import { batchedRedisStore } from './rate-store.js';
import { adminRoutes } from './routes/admin.js';
import { eventRoutes } from './routes/events.js';
import { webhookRoutes } from './routes/webhooks.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { statsRoutes } from './routes/stats.js';
import { createStats } from '../insight/stats.js';
import { consolePlugin } from '../console/plugin.js';
import { createAuth } from '../access/auth.js';
import { createKeyStore } from '../access/key-store.js';
import { createTenantStore } from '../tenants/store.js';
import { createSessions } from '../console/sessions.js';
import { createSignInLimit } from '../console/sign-in-limit.js';
import { unsubscribeRoutes } from './unsubscribe.js';
import { opsRoutes } from './routes/ops.js';
import { publicRoutes } from './routes/public.js';

export interface AppDeps {
  logger: Logger;
  redis: Redis;
  domain: Domain;
  feed: Feed;
  endpoints: Endpoints;
  suppressions: Suppressions;
  bounces: Bounces;
  erasures: Erasures;
  branding: BrandingStore;
  templateService: TemplateService;
  senderDomains: string[];
  policies: Policies;
  /** The job queues, for the console's depths and queue board. */
  queues?: Queue[];
  unsubscribe: UnsubscribeTokens;
  jobs: JobPort;
  metrics: Metrics;
  clock: Clock;
  apiKeys: string[];
  /** BULK_MAX: most recipients in one bulk request. */
  bulkMax: number;
  publicUrl: string;
  redirectAllowlist: string[];
  publicRateLimit: number;
  /** The workers' heartbeat period, which /readyz judges them by. */
  heartbeatMs: number;
  /** Fastify's trustProxy: false, true, a hop count, or a comma list of proxy addresses. */
  trustProxy?: boolean | number | string;
  /** METRICS_TOKEN: the bearer token /metrics on this port answers; unset, it is not served here. */
  metricsToken?: string;
  /** Queue depth for /metrics, when this process can see the queues. */
  queueCounts?: () => Promise<Record<string, Record<string, number>>>;
}

export const BODY_LIMIT = 1024 * 1024;

/** The package version, which the OpenAPI document carries. */
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Builds the HTTP app; it never listens (src/main.ts does), so tests use app.inject. */
export async function buildApp(d: AppDeps): Promise<FastifyInstance> {
  // Fastify's own request log (a line when a request comes and when it is answered) is written
  // at info; at a higher LOG_LEVEL it would only cost every request a child logger and two
  // listeners, so Fastify then gets no logger and errors are logged by errorHandler.
  const accessLog = d.logger.isLevelEnabled('info');
  const boot = randomBytes(6).toString('base64url');
  let served = 0;
  const onError = errorHandler(d.logger);
  const app = Fastify({
    ...(accessLog ? { loggerInstance: d.logger as unknown as FastifyBaseLogger } : {}),
    bodyLimit: BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    // This process's random prefix and a counter: unique across processes, without a UUID's
    // random draw per request.
    genReqId: () => `${boot}-${(++served).toString(36)}`,
    routerOptions: { maxParamLength: 320 },
    trustProxy: (d.trustProxy ?? false) as boolean, // Fastify also takes a hop count, which its types omit
    // Errors raised by the router itself (bad URL encoding, over-long params) take the same path.
    frameworkErrors: (err, req, reply) => onError(err, req, reply),
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API (OpenAPI); the views are typed at compile time, so
  // responses are written with plain JSON.stringify: re-validating each one with zod cost a
  // fifth of the public lookup's throughput (BENCHMARKS.md).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(onError);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody('route_not_found', `No route ${req.method} ${req.url.split('?')[0]}.`)),
  );

  // An empty JSON body means "no body" (resend takes an optional one); anything else must parse,
  // and __proto__ / constructor keys are refused by Fastify's secure parser.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (req, body, done) => {
      if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
      // A route may raise its own limit for other formats (CSV); JSON stays at 1 MiB everywhere.
      if (Buffer.byteLength(body as string) > BODY_LIMIT) {
        return done(
          Object.assign(new Error('Request body is too large'), {
            statusCode: 413,
            code: 'FST_ERR_CTP_BODY_TOO_LARGE',
          }),
          undefined,
        );
      }
      json(req, body as string, done);
    },
  );
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  // Every response pays this one hook: a callback (no promise), the request id header and the
  // request counter. Counted as the response is sent, not in onResponse: a route with an
  // onResponse hook costs every request two listeners on the response.
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    d.metrics.countRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode);
    done(null, payload);
  });

  d.metrics.onScrape(
    'herald_invites_total',
    'Invite events since the store was created (from Redis)',
    ['event'],
    async (g) => {
      const stats = await d.domain.store.stats().catch(() => ({}));
      for (const [event, n] of Object.entries(stats)) g.set({ event }, n);
    },
  );
  if (d.queueCounts) {
    const counts = d.queueCounts;
    d.metrics.onScrape('herald_queue_jobs', 'Jobs per queue and state', ['queue', 'state'], async (g) => {
      const all = await counts().catch(() => ({}) as Record<string, Record<string, number>>);
      for (const [queue, states] of Object.entries(all))
        for (const [state, n] of Object.entries(states)) g.set({ queue, state }, n);
    });
  }

  documentRoutes(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Herald',
        description:
          'Invite delivery service: invites, bulk sends, events and webhooks, deliverability, stats.',
        version: VERSION,
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      servers: [{ url: d.publicUrl }],
      security: [{ bearer: [] }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: documentTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const limits = batchedRedisStore(d.redis, dataKeys(d.domain.store.prefix).rateLimits);
  app.addHook('onClose', async () => limits.close());
  await app.register(rateLimit, {
    global: false,
    store: limits.Store,
    skipOnError: false,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      ...errorBody('rate_limited', `Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s.`),
    }),
  });

  const rate = { max: d.publicRateLimit, timeWindow: 60_000 };
  // Operator keys (API_KEYS) and tenant keys (DESIGN §15), one resolver for every API route.
  const keys = createKeyStore(d.redis, d.domain.store.prefix);
  const tenants = createTenantStore(d.redis, d.domain.store.prefix);
  const auth = createAuth({ operatorKeys: d.apiKeys, keys, tenants });
  app.addHook('onClose', async () => auth.close());
  const { store, service, bulk, queries } = d.domain;
  await app.register(opsRoutes, {
    store,
    metrics: d.metrics,
    heartbeatMs: d.heartbeatMs,
    metricsToken: d.metricsToken,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(publicRoutes, { queries, rateLimit: rate });
  await app.register(landingRoutes, {
    queries,
    service,
    publicUrl: d.publicUrl,
    redirectAllowlist: d.redirectAllowlist,
    clock: d.clock,
    rateLimit: rate,
    branding: d.branding,
  });
  await app.register(eventRoutes, { feed: d.feed, auth });
  await app.register(webhookRoutes, { endpoints: d.endpoints, auth });
  const stats = createStats(d.domain.store, d.clock);
  await app.register(statsRoutes, { stats, auth });
  await app.register(consolePlugin, {
    auth,
    keys,
    tenants,
    publicUrl: d.publicUrl,
    sessions: createSessions(d.redis, d.domain.store.prefix),
    signInLimit: createSignInLimit(d.redis, d.domain.store.prefix),
    domain: d.domain,
    stats,
    suppressions: d.suppressions,
    policies: d.policies,
    endpoints: d.endpoints,
    branding: d.branding,
    senderDomains: d.senderDomains,
    templates: d.templateService,
    queues: d.queues,
  });
  await app.register(suppressionRoutes, {
    suppressions: d.suppressions,
    bounces: d.bounces,
    auth,
  });
  await app.register(brandingRoutes, { branding: d.branding, senderDomains: d.senderDomains, auth });
  await app.register(templateRoutes, { templates: d.templateService, service, auth });
  await app.register(erasureRoutes, { erasures: d.erasures, auth, tenants });
  await app.register(keyRoutes, { auth, keys });
  await app.register(tenantRoutes, {
    auth,
    keys,
    tenants,
    policies: d.policies,
    branding: d.branding,
    templates: d.templateService,
    jobs: d.jobs,
    clock: d.clock,
  });
  await app.register(policyRoutes, {
    policies: d.policies,
    suppressions: d.suppressions,
    auth,
  });
  await app.register(unsubscribeRoutes, {
    suppressions: d.suppressions,
    tokens: d.unsubscribe,
    rateLimit: rate,
    branding: d.branding,
  });
  await app.register(adminRoutes, {
    bulkMax: d.bulkMax,
    service,
    bulk,
    queries,
    store,
    jobs: d.jobs,
    auth,
    tenants,
  });
  return app as unknown as FastifyInstance;
}
