import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EVENT_TYPES } from '../../events/catalog.js';
import { text } from '../../invites/inputs.js';
import type { Endpoints } from '../../webhooks/endpoints.js';
import { requireApiKey } from '../auth.js';
import { notFound } from '../../errors.js';
import type { Auth } from '../../access/auth.js';

const endpointView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: z.string(),
});
const fields = {
  url: z.string().min(1).max(2000),
  events: z
    .array(z.enum(EVENT_TYPES))
    .min(1)
    .max(EVENT_TYPES.length * 2),
  description: text(500).nullable(),
  enabled: z.boolean(),
};
const createBody = z.strictObject({
  url: fields.url,
  events: fields.events.optional(),
  description: fields.description.optional(),
});
const patchBody = z
  .strictObject({
    url: fields.url.optional(),
    events: fields.events.optional(),
    description: fields.description.optional(),
    enabled: fields.enabled.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');
const params = z.strictObject({ id: z.string().min(1).max(100) });
const attempt = z.object({
  eventId: z.string(),
  type: z.string(),
  attempt: z.number(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  responseStatus: z.number().nullable(),
  error: z.string().nullable(),
  at: z.string(),
});

/** The webhook endpoints API (DESIGN §10). */
export const webhookRoutes: FastifyPluginAsyncZod<{ endpoints: Endpoints; auth: Auth }> = async (app, d) => {
  requireApiKey(app, d.auth);
  // Another tenant's endpoint answers 404 as if it did not exist (DESIGN §15).
  app.addHook('preHandler', async (req) => {
    const id = (req.params as { id?: string } | undefined)?.id;
    if (id && (await d.endpoints.tenantOf(id)) !== req.principal!.tenant) throw notFound('webhook');
  });
  const tags = ['webhooks'];
  const security = [{ bearer: [] }];

  app.post(
    '/v1/webhooks',
    {
      schema: {
        tags,
        security,
        body: createBody,
        response: { 201: endpointView.extend({ secret: z.string() }) },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await d.endpoints.create(req.body, req.principal!.tenant, req.principal!.scopeIds)),
  );
  app.get(
    '/v1/webhooks',
    { schema: { tags, security, response: { 200: z.object({ data: z.array(endpointView) }) } } },
    (req) => d.endpoints.list(req.principal!.tenant),
  );
  app.get(
    '/v1/webhooks/:id',
    { schema: { tags, security, params, response: { 200: endpointView } } },
    (req) => d.endpoints.get(req.params.id),
  );
  app.patch(
    '/v1/webhooks/:id',
    { schema: { tags, security, params, body: patchBody, response: { 200: endpointView } } },
    (req) => d.endpoints.patch(req.params.id, req.body),
  );
  app.delete('/v1/webhooks/:id', { schema: { tags, security, params } }, async (req, reply) => {
    await d.endpoints.remove(req.params.id);
    return reply.code(204).send();
  });
  app.post(
    '/v1/webhooks/:id/rotate',
    { schema: { tags, security, params, response: { 200: z.object({ secret: z.string() }) } } },
    (req) => d.endpoints.rotate(req.params.id),
  );
  app.post(
    '/v1/webhooks/:id/test',
    { schema: { tags, security, params, response: { 202: z.object({ queued: z.boolean() }) } } },
    async (req, reply) => {
      await d.endpoints.test(req.params.id);
      return reply.code(202).send({ queued: true });
    },
  );
  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        security,
        params,
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          after: z.string().max(100).optional(),
        }),
        response: {
          200: z.object({ data: z.array(attempt), hasMore: z.boolean(), nextCursor: z.string().nullable() }),
        },
      },
    },
    (req) => d.endpoints.deliveries(req.params.id, req.query),
  );
  app.post(
    '/v1/webhooks/:id/redeliver',
    {
      schema: {
        tags,
        security,
        params,
        body: z.strictObject({ eventId: z.string().min(1).max(100) }),
        response: { 202: z.object({ eventId: z.string() }) },
      },
    },
    async (req, reply) => reply.code(202).send(await d.endpoints.redeliver(req.params.id, req.body.eventId)),
  );
};
