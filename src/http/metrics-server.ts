import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/**
 * A worker-only process has no API to scrape; with METRICS_PORT set it serves its own /metrics
 * (send latency, sweep duration: the histograms only the process that did the work has).
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
