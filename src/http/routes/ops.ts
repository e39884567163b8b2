import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../invites/store.js';
import type { Metrics } from '../../metrics.js';
import { errorBody } from '../errors.js';
import { errorSchema } from '../schemas.js';

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), ms).unref())]);

const sha = (s: string) => createHash('sha256').update(s).digest();

/**
 * Health, readiness and Prometheus metrics. /metrics on the API port is private (DESIGN §3):
 * without METRICS_TOKEN it answers 404 as if absent, with it only `Bearer <METRICS_TOKEN>`.
 */
export const opsRoutes: FastifyPluginAsync<{
  store: Store;
  metrics: Metrics;
  heartbeatMs: number;
  metricsToken?: string;
}> = async (app, d) => {
  const token = d.metricsToken === undefined ? null : sha(`Bearer ${d.metricsToken}`);
  // A browser opening the root after `npm start` lands on the console (its sign-in when signed
  // out); API clients asking for JSON keep the JSON 404 every unknown route answers.
  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    if (/text\/html/.test(req.headers.accept ?? ''))
      return reply.code(303).header('location', '/console').send();
    return reply.code(404).send(errorBody('route_not_found', 'No route GET /; see /docs.'));
  });

  app.get(
    '/healthz',
    { schema: { tags: ['operations'], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        response: {
          200: z.object({ status: z.literal('ready'), redis: z.literal('ok'), workers: z.number() }),
          503: errorSchema,
        },
      },
    },
    async (_req, reply) => {
      const redis = await within(d.store.ping(), 1000).catch(() => false);
      const workers = redis
        ? await within(d.store.workersAlive(Date.now(), 3 * d.heartbeatMs), 1000).catch(() => 0)
        : 0;
      if (redis && workers > 0) return { status: 'ready', redis: 'ok', workers };
      const details = [{ redis: redis ? 'ok' : 'unreachable', workers }];
      const why = !redis
        ? 'Redis is unreachable.'
        : `No worker has reported consuming jobs in the last ${(3 * d.heartbeatMs) / 1000} s.`;
      return reply.code(503).send(errorBody('not_ready', why, details));
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        response: {
          200: z.string().describe('Prometheus text format'),
          401: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (req, reply) => {
      if (!token)
        return reply.code(404).send(errorBody('route_not_found', 'No route GET /metrics; see METRICS_PORT.'));
      if (!timingSafeEqual(sha(req.headers.authorization ?? ''), token))
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send(errorBody('unauthorized', 'Authorization: Bearer <METRICS_TOKEN> is required.'));
      reply.header('content-type', d.metrics.registry.contentType);
      return d.metrics.registry.metrics();
    },
  );
};
