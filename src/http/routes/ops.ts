import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../invites/store.js';
import type { Metrics } from '../../metrics.js';
import { errorBody } from '../errors.js';
import { errorSchema } from '../schemas.js';

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), ms).unref())]);

/** Health, readiness and Prometheus metrics. */
export const opsRoutes: FastifyPluginAsync<{ store: Store; metrics: Metrics; heartbeatMs: number }> = async (
  app,
  d,
) => {
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
    { schema: { tags: ['operations'], response: { 200: z.string().describe('Prometheus text format') } } },
    async (_req, reply) => {
      reply.header('content-type', d.metrics.registry.contentType);
      return d.metrics.registry.metrics();
    },
  );
};
