import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EVENT_TYPES } from '../../events/catalog.js';
import type { Feed } from '../../events/feed.js';
import { requireApiKey } from '../auth.js';
import type { Auth } from '../../access/auth.js';

const eventSchema = z.object({
  id: z.string(),
  type: z.string(),
  timestamp: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export const feedQuery = z.strictObject({
  // One position per event stream (src/events/catalog.ts): up to 65 of them.
  after: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  type: z
    .string()
    .max(1000)
    .transform((v) => v.split(',').filter(Boolean))
    .refine((ts) => ts.every((t) => (EVENT_TYPES as readonly string[]).includes(t)), {
      message: `must be a comma list of ${EVENT_TYPES.join(', ')}`,
    })
    .optional(),
  inviteId: z.string().max(100).optional(),
});

/** GET /v1/events: the event feed (DESIGN §10). */
export const eventRoutes: FastifyPluginAsyncZod<{ feed: Feed; auth: Auth }> = async (app, d) => {
  requireApiKey(app, d.auth);
  app.get(
    '/v1/events',
    {
      schema: {
        tags: ['events'],
        security: [{ bearer: [] }],
        querystring: feedQuery,
        response: {
          200: z.object({ data: z.array(eventSchema), hasMore: z.boolean(), nextCursor: z.string() }),
        },
      },
    },
    (req) => d.feed.list({ ...req.query, tenant: req.principal!.tenant, scopeIds: req.principal!.scopeIds }),
  );
};
