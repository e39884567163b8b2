import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { METRICS, type Stats } from '../../insight/stats.js';
import { text } from '../../invites/inputs.js';
import { requireApiKey } from '../auth.js';
import type { Auth } from '../../access/auth.js';

const counts = Object.fromEntries(METRICS.map((m) => [m, z.number()])) as Record<
  (typeof METRICS)[number],
  z.ZodNumber
>;

/** GET /v1/stats (DESIGN §13). */
export const statsRoutes: FastifyPluginAsyncZod<{ stats: Stats; auth: Auth }> = async (app, d) => {
  requireApiKey(app, d.auth);
  app.get(
    '/v1/stats',
    {
      schema: {
        tags: ['stats'],
        security: [{ bearer: [] }],
        querystring: z.strictObject({
          from: z.string().max(64).optional(),
          to: z.string().max(64).optional(),
          interval: z.enum(['hour', 'day']).default('day'),
          scopeType: text(100).optional(),
          scopeId: text(200).optional(),
          batchId: text(100).optional(),
        }),
        response: {
          200: z.object({
            totals: z.object(counts),
            series: z.array(z.object({ start: z.string(), ...counts })),
            rates: z.object({ open: z.number(), accept: z.number() }),
          }),
        },
      },
    },
    (req) => d.stats.query(req.query, req.principal!.tenant, req.principal!.scopeIds),
  );
};
