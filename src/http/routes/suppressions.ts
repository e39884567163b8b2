import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { text } from '../../invites/inputs.js';
import type { Bounces } from '../../suppressions/bounces.js';
import { REASONS, type Suppressions } from '../../suppressions/suppressions.js';
import { requireApiKey } from '../auth.js';
import type { Auth } from '../../access/auth.js';

const entry = z.object({
  email: z.string(),
  reason: z.enum(REASONS),
  detail: z.string().nullable(),
  createdAt: z.string(),
});
const params = z.strictObject({ email: z.string().min(1).max(254) });

/** The suppression list API and bounce reports forwarded over HTTP (DESIGN §11). */
export const suppressionRoutes: FastifyPluginAsyncZod<{
  suppressions: Suppressions;
  bounces: Bounces;
  auth: Auth;
}> = async (app, d) => {
  requireApiKey(app, d.auth);
  const tenant = (req: FastifyRequest) => req.principal!.tenant;
  const tags = ['suppressions'];
  const security = [{ bearer: [] }];

  app.put(
    '/v1/suppressions/:email',
    {
      schema: {
        tags,
        security,
        params,
        body: z
          .strictObject({ reason: z.enum(REASONS).optional(), detail: text(1000).nullable().optional() })
          .nullish(),
        response: { 200: entry, 201: entry },
      },
    },
    async (req, reply) => {
      const r = await d.suppressions.put(tenant(req), req.params.email, req.body ?? {});
      return reply.code(r.created ? 201 : 200).send(r.suppression);
    },
  );
  app.get(
    '/v1/suppressions',
    {
      schema: {
        tags,
        security,
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          after: z.string().max(500).optional(),
          reason: z.enum(REASONS).optional(),
        }),
        response: {
          200: z.object({ data: z.array(entry), hasMore: z.boolean(), nextCursor: z.string().nullable() }),
        },
      },
    },
    (req) => d.suppressions.list(tenant(req), req.query),
  );
  app.get(
    '/v1/suppressions/:email',
    { schema: { tags, security, params, response: { 200: entry } } },
    (req) => d.suppressions.get(tenant(req), req.params.email),
  );
  app.delete('/v1/suppressions/:email', { schema: { tags, security, params } }, async (req, reply) => {
    await d.suppressions.remove(tenant(req), req.params.email);
    return reply.code(204).send();
  });

  // A relay that forwards bounce reports over HTTP posts the raw report.
  app.addContentTypeParser(
    'message/rfc822',
    { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.post(
    '/v1/bounces',
    {
      schema: {
        tags,
        security,
        description: 'Content-Type: message/rfc822 with the raw report.',
        response: { 202: z.object({ matched: z.boolean(), outcomes: z.array(z.string()) }) },
      },
    },
    async (req, reply) => {
      const raw = Buffer.isBuffer(req.body)
        ? req.body
        : Buffer.from(typeof req.body === 'string' ? req.body : '');
      const r = await d.bounces.handle(raw, [], req.principal!.operator ? null : tenant(req));
      return reply.code(202).send({ matched: r.matched, outcomes: r.outcomes });
    },
  );
};
