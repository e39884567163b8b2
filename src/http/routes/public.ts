import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Queries } from '../../invites/queries.js';
import { codeParams } from '../schemas.js';

const publicInvite = z.object({
  code: z.string(),
  status: z.string(),
  scope: z.object({ type: z.string(), id: z.string() }).nullable(),
  role: z.string().nullable(),
  inviter: z.object({ name: z.string().nullable() }),
  expiresAt: z.string().nullable(),
  maxUses: z.number(),
  uses: z.number(),
  temporary: z.boolean(),
  valid: z.boolean(),
});
const validation = z.union([
  z.object({ valid: z.literal(true), referrerName: z.string().nullable() }),
  z.object({ valid: z.literal(false), reason: z.enum(['not_found', 'expired', 'canceled', 'used']) }),
]);

/** Public, key-less routes for whoever holds a code; rate-limited per client address. */
export const publicRoutes: FastifyPluginAsyncZod<{ queries: Queries; rateLimit: object }> = async (
  app,
  d,
) => {
  const config = { rateLimit: d.rateLimit };
  app.get(
    '/v1/public/invites/:code',
    { config, schema: { tags: ['public'], params: codeParams, response: { 200: publicInvite } } },
    (req) => d.queries.publicView(req.params.code),
  );
  app.get(
    '/v1/public/invites/:code/validate',
    { config, schema: { tags: ['public'], params: codeParams, response: { 200: validation } } },
    (req) => d.queries.validate(req.params.code),
  );
};
