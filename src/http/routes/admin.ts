import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  acceptInput,
  text,
  bulkInput,
  createInput,
  listQuery,
  patchInput,
  resendInput,
} from '../../invites/inputs.js';
import { inviteView } from '../../invites/invite.js';
import type { Queries } from '../../invites/queries.js';
import type { Bulk } from '../../invites/bulk.js';
import type { JobPort } from '../../invites/ports.js';
import type { Service } from '../../invites/service.js';
import type { Store } from '../../invites/store.js';
import { CSV_MAX_BYTES } from '../../invites/csv.js';
import { requireApiKey } from '../auth.js';
import type { Auth, Principal } from '../../access/auth.js';
import type { TenantStore } from '../../tenants/store.js';
import { grants, inScopes } from '../../access/scopes.js';
import { HeraldError, notFound } from '../../errors.js';
import { asCsvRows, csvBody } from '../csv-body.js';
import { idempotent } from '../idempotency.js';
import { auditReason, batchView, eventList, idParams, inviteList } from '../schemas.js';

export interface AdminDeps {
  service: Service;
  bulk: Bulk;
  queries: Queries;
  store: Store;
  jobs: JobPort;
  auth: Auth;
  tenants: TenantStore;
  /** Most recipients in one bulk request (BULK_MAX), for CSV bodies too. */
  bulkMax: number;
}

/** Every route that needs an API key. */
export const adminRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, d) => {
  requireApiKey(app, d.auth);
  // An invite or batch of another tenant (DESIGN §15), or of a scope a key is not limited to,
  // answers 404 as if it did not exist.
  app.addHook('preHandler', async (req) => {
    const p = req.principal!;
    const id = (req.params as { id?: string } | undefined)?.id;
    if (!id) return;
    const batch = req.routeOptions.url?.startsWith('/v1/batches/');
    // One that does not exist is the route's to answer; a deleted invite's trail stays readable
    // by its own tenant (its "deleted" line names the owner).
    const owner =
      (await (batch ? d.bulk.batchOwner(id) : d.service.get(id)).catch((err: { status?: number }) => {
        if (err.status === 404) return null;
        throw err;
      })) ?? (req.routeOptions.url === '/v1/invites/:id/events' ? await d.service.trailOwner(id) : null);
    if (!owner) return;
    if (owner.tenant !== p.tenant || (p.scopeIds && !inScopes(p.scopeIds, owner.scope)))
      throw notFound(batch ? 'batch' : 'invite');
  });
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: CSV_MAX_BYTES }, (_req, body, done) =>
    done(null, body),
  );
  const tags = ['invites'];
  const security = [{ bearer: [] }];
  const reason = (h: Record<string, unknown>) => auditReason(h['x-audit-log-reason'] as string | undefined);

  app.post(
    '/v1/invites',
    {
      schema: {
        tags,
        security,
        body: createInput,
        response: { 201: z.union([inviteView, z.object({ data: z.array(inviteView) })]) },
      },
    },
    (req, reply) =>
      idempotent(d.store, `${req.principal!.tenant}:${req.apiKeyId!}`, req, reply, async () => ({
        status: 201,
        body: await d.service.create(req.body, {
          forceApproval: proposesOnly(req.principal!),
          tenant: req.principal!.tenant,
          ...mustBeInScope(req.principal!, req.body.scope ?? null),
        }),
      })),
  );

  app.post(
    '/v1/invites/send',
    {
      // CSV files may be up to 10 MiB; JSON bodies keep the 1 MiB limit (checked by their parser).
      bodyLimit: CSV_MAX_BYTES,
      preValidation: csvBody(() => d.bulkMax),
      schema: {
        tags,
        security,
        body: bulkInput,
        response: { 202: z.object({ batchId: z.string(), total: z.number() }) },
      },
    },
    (req, reply) =>
      idempotent(d.store, `${req.principal!.tenant}:${req.apiKeyId!}`, req, reply, async () => ({
        status: 202,
        body: await d.bulk
          .intake(req.body, {
            forceApproval: proposesOnly(req.principal!),
            tenant: req.principal!.tenant,
            ...mustBeInScope(req.principal!, req.body.scope ?? null),
          })
          .catch((err) => Promise.reject(asCsvRows(err, req))),
      })),
  );

  app.get(
    '/v1/batches/:id',
    { schema: { tags, security, params: idParams, response: { 200: batchView } } },
    (req) => d.bulk.batch(req.params.id),
  );

  app.get(
    '/v1/invites',
    { schema: { tags, security, querystring: listQuery, response: { 200: inviteList } } },
    async (req) => {
      const allowed = req.principal!.scopeIds;
      // Filtering by tenant costs a look-up per invite walked: only once a second tenant exists.
      const tenant =
        req.principal!.tenant !== 'default' || (await d.tenants.any()) ? req.principal!.tenant : null;
      if (!allowed) return d.queries.list(req.query, tenant);
      // One scope: the list's own filters. Several: each page is filtered, so a page may hold
      // fewer than `limit`; its cursor still goes on from where it stopped.
      if (allowed.length === 1) {
        const [type, ...rest] = allowed[0].split(':');
        const id = rest.join(':');
        const q = req.query;
        if ((q.scopeType ?? type) !== type || (q.scopeId ?? id) !== id)
          return { data: [], hasMore: false, nextCursor: null };
        return d.queries.list({ ...q, scopeType: type, scopeId: id }, tenant);
      }
      const page = await d.queries.list(req.query, tenant);
      return { ...page, data: page.data.filter((i) => inScopes(allowed, i.scope)) };
    },
  );

  app.get(
    '/v1/invites/:id',
    { schema: { tags, security, params: idParams, response: { 200: inviteView } } },
    (req) => d.service.get(req.params.id),
  );

  app.patch(
    '/v1/invites/:id',
    { schema: { tags, security, params: idParams, body: patchInput, response: { 200: inviteView } } },
    (req) => d.service.patch(req.params.id, req.body, reason(req.headers)),
  );

  app.post(
    '/v1/invites/:id/resend',
    {
      schema: { tags, security, params: idParams, body: resendInput, response: { 202: inviteView } },
    },
    async (req, reply) =>
      reply.code(202).send(await d.service.resend(req.params.id, req.body, reason(req.headers))),
  );

  app.post(
    '/v1/invites/:id/cancel',
    { schema: { tags, security, params: idParams, response: { 200: inviteView } } },
    (req) => d.service.cancel(req.params.id, reason(req.headers)),
  );

  app.delete('/v1/invites/:id', { schema: { tags, security, params: idParams } }, async (req, reply) => {
    await d.service.remove(req.params.id, reason(req.headers));
    return reply.code(204).send();
  });

  app.get(
    '/v1/invites/:id/events',
    { schema: { tags, security, params: idParams, response: { 200: eventList } } },
    async (req) => ({
      data: await d.service.events(req.params.id),
    }),
  );

  app.post(
    '/v1/invites/:id/accept',
    {
      schema: { tags, security, params: idParams, body: acceptInput, response: { 200: inviteView } },
    },
    (req) => d.service.accept(req.params.id, req.body, reason(req.headers), req.principal!.tenant),
  );

  app.post(
    '/v1/invites/:id/decline',
    {
      schema: {
        tags,
        security,
        params: idParams,
        body: z.strictObject({ reason: text(512).optional() }).nullish(),
        response: { 200: inviteView },
      },
    },
    // The body's reason, else X-Audit-Log-Reason.
    (req) => d.service.decline(req.params.id, req.body?.reason ?? reason(req.headers)),
  );

  // Approval (DESIGN §17): one invite, or every invite of a batch still waiting.
  for (const [decision, done] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    const body = z.strictObject({ reason: text(512).optional() }).nullish();
    app.post(
      `/v1/invites/:id/${decision}`,
      { schema: { tags, security, params: idParams, body, response: { 200: inviteView } } },
      (req) => d.service.decide(req.params.id, decision, req.body?.reason ?? reason(req.headers)),
    );
    app.post(
      `/v1/batches/:id/${decision}`,
      {
        schema: {
          tags,
          security,
          params: idParams,
          body,
          response: { 200: z.object({ batchId: z.string(), [done]: z.number() }) },
        },
      },
      async (req) => {
        const why = req.body?.reason ?? reason(req.headers);
        const n = await d.bulk.decideBatch(
          req.params.id,
          (id) =>
            // One approved or rejected meanwhile by another request is no longer waiting: skip it.
            d.service.decide(id, decision, why).catch((err: { code?: string }) => {
              if (err.code !== 'invite_not_waiting') throw err;
            }),
          decision,
        );
        return { batchId: req.params.id, [done]: n };
      },
    );
  }

  app.post(
    '/v1/sweeps/expire',
    { schema: { tags: ['operations'], security, response: { 202: z.object({ jobId: z.string() }) } } },
    async (_req, reply) => reply.code(202).send({ jobId: await d.jobs.sweep() }),
  );
};

/** A key with invites:propose but not invites:write proposes: its invites wait for approval. */
const proposesOnly = (p: Principal) => !grants(p.scopes, 'invites:write');

/** A key limited to scopeIds creates only invites of those scopes (DESIGN §15). */
function mustBeInScope(p: Principal, scope: { type: string; id: string } | null) {
  if (p.scopeIds && !inScopes(p.scopeIds, scope))
    throw new HeraldError('scope_not_allowed', 403, 'This key may only create invites of its scopeIds.', [
      { field: 'scope', allowed: p.scopeIds },
    ]);
  return {};
}
