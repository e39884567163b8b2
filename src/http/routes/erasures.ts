import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Erasures } from '../../erasure/erasure.js';
import { requireApiKey } from '../auth.js';
import type { Auth } from '../../access/auth.js';

/** POST /v1/erasures (DESIGN §18): the right to erasure for one address. */
export const erasureRoutes: FastifyPluginAsyncZod<{ erasures: Erasures; auth: Auth }> = async (app, d) => {
  requireApiKey(app, d.auth, { defaultTenantOnly: true });
  app.post(
    '/v1/erasures',
    {
      schema: {
        tags: ['privacy'],
        security: [{ bearer: [] }],
        body: z.strictObject({
          email: z.email().max(254),
          // Every tenant: while Herald has the one tenant `default`, the same as leaving it out.
          allTenants: z.boolean().optional(),
        }),
        response: {
          200: z.object({
            id: z.string(),
            emailDigest: z.string(),
            invites: z.number(),
            events: z.number(),
            deliveries: z.number(),
          }),
        },
      },
    },
    async (req) => d.erasures.erase(req.body.email),
  );
};
