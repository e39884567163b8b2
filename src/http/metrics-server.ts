import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/**
 * METRICS_PORT: /metrics of this process (any kind) on a listener of its own, for a private
 * network, with no token: the histograms only the process that did the work has (send latency,
 * sweep duration) and, in an API process, the fleet counters and queue depths.
 */
export async function startMetricsServer(
  metrics: Metrics,
  port: number,
  host: string,
  logger: Logger,
): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  await app.listen({ port, host });
  return app as unknown as FastifyInstance;
}
