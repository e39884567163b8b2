import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Queries } from '../invites/queries.js';
import type { JobPort, Service } from '../invites/service.js';
import type { Store } from '../invites/store.js';
import type { Metrics } from '../metrics.js';
import { errorBody, errorHandler } from './errors.js';
import { adminRoutes } from './routes/admin.js';
import { opsRoutes } from './routes/ops.js';
import { publicRoutes } from './routes/public.js';

export interface AppDeps {
  logger: Logger;
  redis: Redis;
  store: Store;
  service: Service;
  queries: Queries;
  jobs: JobPort;
  metrics: Metrics;
  apiKeys: string[];
  publicRateLimit: number;
  /** The workers' heartbeat period, which /readyz judges them by. */
  heartbeatMs: number;
  /** Fastify's trustProxy: false, true, a hop count, or a comma list of proxy addresses. */
  trustProxy?: boolean | number | string;
  /** Queue depth for /metrics, when this process can see the queues. */
  queueCounts?: () => Promise<Record<string, Record<string, number>>>;
  /** Extra routes (the landing page) registered inside the app. */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

export const BODY_LIMIT = 1024 * 1024;

/** Builds the HTTP app; it never listens (src/main.ts does), so tests use app.inject. */
export async function buildApp(d: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: d.logger as unknown as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    routerOptions: { maxParamLength: 200 },
    trustProxy: (d.trustProxy ?? false) as boolean, // Fastify also takes a hop count, which its types omit
    // Errors raised by the router itself (bad URL encoding, over-long params) take the same path.
    frameworkErrors: (err, req, reply) => errorHandler(err, req, reply),
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API (OpenAPI); the views are typed at compile time, so
  // responses are written with plain JSON.stringify: re-validating each one with zod cost a
  // fifth of the public lookup's throughput (BENCHMARKS.md).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('route_not_found', `No route ${req.method} ${req.url.split('?')[0]}.`)));

  // An empty JSON body means "no body" (resend takes an optional one); anything else must parse,
  // and __proto__ / constructor keys are refused by Fastify's secure parser.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (req, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    json(req, body as string, done);
  });
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-request-id', reply.request.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    d.metrics.httpRequests.inc({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: reply.statusCode });
  });

  d.metrics.onScrape('herald_invites_total', 'Invite events since the store was created (from Redis)', ['event'], async (g) => {
    const stats = await d.store.stats().catch(() => ({}));
    for (const [event, n] of Object.entries(stats)) g.set({ event }, n);
  });
  if (d.queueCounts) {
    const counts = d.queueCounts;
    d.metrics.onScrape('herald_queue_jobs', 'Jobs per queue and state', ['queue', 'state'], async (g) => {
      const all = await counts().catch(() => ({}) as Record<string, Record<string, number>>);
      for (const [queue, states] of Object.entries(all)) for (const [state, n] of Object.entries(states)) g.set({ queue, state }, n);
    });
  }

  await app.register(swagger, {
    openapi: {
      info: { title: 'Herald', description: 'Invite delivery service', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimit, {
    global: false,
    redis: d.redis,
    nameSpace: `${d.store.prefix}:rl:`,
    skipOnError: false,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      ...errorBody('rate_limited', `Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s.`),
    }),
  });

  const rate = { max: d.publicRateLimit, timeWindow: 60_000 };
  await app.register(opsRoutes, { store: d.store, metrics: d.metrics, heartbeatMs: d.heartbeatMs });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(publicRoutes, { queries: d.queries, rateLimit: rate });
  for (const p of d.plugins ?? []) await app.register(async (scope) => p(scope));
  await app.register(adminRoutes, { service: d.service, queries: d.queries, store: d.store, jobs: d.jobs, apiKeys: d.apiKeys });
  return app as unknown as FastifyInstance;
}
