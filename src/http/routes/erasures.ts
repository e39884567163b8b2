import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Erasures } from '../../erasure/erasure.js';
import { insufficientScope, requireApiKey } from '../auth.js';
import type { TenantStore } from '../../tenants/store.js';
import type { Auth } from '../../access/auth.js';

/** POST /v1/erasures (DESIGN §18): the right to erasure for one address. */
export const erasureRoutes: FastifyPluginAsyncZod<{
  erasures: Erasures;
  auth: Auth;
  tenants: TenantStore;
}> = async (app, d) => {
  requireApiKey(app, d.auth);
  app.post(
    '/v1/erasures',
    {
      schema: {
        tags: ['privacy'],
        security: [{ bearer: [] }],
        body: z.strictObject({
          email: z.email().max(254),
          // Every tenant at once: operator keys only.
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
    async (req) => {
      const p = req.principal!;
      if (!req.body.allTenants) return d.erasures.erase(req.body.email, [p.tenant]);
      if (!p.operator) throw insufficientScope('allTenants needs an operator key (API_KEYS).', 'operator');
      const all = (await d.tenants.list()).map((t) => t.id);
      return d.erasures.erase(req.body.email, all, true);
    },
  );
};
