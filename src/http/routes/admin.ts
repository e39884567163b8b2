import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acceptInput, bulkInput, createInput, listQuery, patchInput, resendInput } from '../../invites/inputs.js';
import { inviteView } from '../../invites/invite.js';
import type { Queries } from '../../invites/queries.js';
import type { Service } from '../../invites/service.js';
import type { Store } from '../../invites/store.js';
import type { JobPort } from '../../invites/service.js';
import { bearerAuth } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { auditReason, batchView, eventList, idParams, inviteList } from '../schemas.js';

export interface AdminDeps {
  service: Service;
  queries: Queries;
  store: Store;
  jobs: JobPort;
  apiKeys: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKeyId?: string;
  }
}

/** Every route that needs an API key. */
export const adminRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, d) => {
  const auth = bearerAuth(d.apiKeys);
  app.addHook('onRequest', async (req) => {
    req.apiKeyId = auth(req);
  });
  const tags = ['invites'];
  const security = [{ bearer: [] }];
  const reason = (h: Record<string, unknown>) => auditReason(h['x-audit-log-reason'] as string | undefined);

  app.post('/v1/invites', {
    schema: { tags, security, body: createInput, response: { 201: z.union([inviteView, z.object({ data: z.array(inviteView) })]) } },
  }, (req, reply) => idempotent(d.store, req.apiKeyId!, req, reply, async () => ({ status: 201, body: await d.service.create(req.body) })));

  app.post('/v1/invites/send', {
    schema: { tags, security, body: bulkInput, response: { 202: z.object({ batchId: z.string(), total: z.number() }) } },
  }, (req, reply) => idempotent(d.store, req.apiKeyId!, req, reply, async () => ({ status: 202, body: await d.service.bulk(req.body) })));

  app.get('/v1/batches/:id', { schema: { tags, security, params: idParams, response: { 200: batchView } } }, (req) =>
    d.service.batch(req.params.id),
  );

  app.get('/v1/invites', { schema: { tags, security, querystring: listQuery, response: { 200: inviteList } } }, (req) =>
    d.queries.list(req.query),
  );

  app.get('/v1/invites/:id', { schema: { tags, security, params: idParams, response: { 200: inviteView } } }, (req) =>
    d.service.get(req.params.id),
  );

  app.patch('/v1/invites/:id', { schema: { tags, security, params: idParams, body: patchInput, response: { 200: inviteView } } }, (req) =>
    d.service.patch(req.params.id, req.body, reason(req.headers)),
  );

  app.post('/v1/invites/:id/resend', {
    schema: { tags, security, params: idParams, body: resendInput, response: { 202: inviteView } },
  }, async (req, reply) => reply.code(202).send(await d.service.resend(req.params.id, req.body, reason(req.headers))));

  app.post('/v1/invites/:id/cancel', { schema: { tags, security, params: idParams, response: { 200: inviteView } } }, (req) =>
    d.service.cancel(req.params.id, reason(req.headers)),
  );

  app.delete('/v1/invites/:id', { schema: { tags, security, params: idParams } }, async (req, reply) => {
    await d.service.remove(req.params.id, reason(req.headers));
    return reply.code(204).send();
  });

  app.get('/v1/invites/:id/events', { schema: { tags, security, params: idParams, response: { 200: eventList } } }, async (req) => ({
    data: await d.service.events(req.params.id),
  }));

  app.post('/v1/invites/:id/accept', {
    schema: { tags, security, params: idParams, body: acceptInput, response: { 200: inviteView } },
  }, (req) => d.service.accept(req.params.id, req.body, reason(req.headers)));

  app.post('/v1/sweeps/expire', { schema: { tags: ['operations'], security, response: { 202: z.object({ jobId: z.string() }) } } }, async (_req, reply) =>
    reply.code(202).send({ jobId: await d.jobs.sweep() }),
  );
};
