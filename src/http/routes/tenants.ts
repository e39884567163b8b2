import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Auth } from '../../access/auth.js';
import type { KeyStore } from '../../access/key-store.js';
import { HeraldError } from '../../errors.js';
import { text } from '../../invites/inputs.js';
import type { Clock } from '../../clock.js';
import type { JobPort } from '../../invites/ports.js';
import type { BrandingStore } from '../../branding/store.js';
import type { TemplateService } from '../../templates/service.js';
import type { Policies } from '../../policy/store.js';
import { DEFAULT_TENANT, TENANT_ID, type Tenant, type TenantStore } from '../../tenants/store.js';
import { requireApiKey } from '../auth.js';

const tenantView = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
const view = (t: Tenant) => ({ ...t, createdAt: new Date(t.createdAt).toISOString() });
const params = z.strictObject({ id: z.string().min(1).max(100) });
const notFound = () => new HeraldError('tenant_not_found', 404, 'No such tenant.');

/** Tenants (DESIGN §15), for operator keys only (the `operator` pseudo-scope, auth.ts). */
export const tenantRoutes: FastifyPluginAsyncZod<{
  auth: Auth;
  tenants: TenantStore;
  keys: KeyStore;
  policies: Policies;
  branding: BrandingStore;
  templates: TemplateService;
  jobs: JobPort;
  clock: Clock;
}> = async (app, d) => {
  requireApiKey(app, d.auth);
  const tags = ['tenants'];
  const security = [{ bearer: [] }];

  app.post(
    '/v1/tenants',
    {
      schema: {
        tags,
        security,
        body: z.strictObject({
          id: z.string().regex(TENANT_ID, 'must match ^[a-z0-9][a-z0-9-]{0,62}$'),
          name: text(200),
        }),
        response: { 201: tenantView },
      },
    },
    async (req, reply) => {
      const t = { id: req.body.id, name: req.body.name, createdAt: Date.now() };
      if (!(await d.tenants.create(t)))
        throw new HeraldError('tenant_exists', 409, `A tenant ${t.id} exists.`, [{ field: 'id' }]);
      return reply.code(201).send(view(t));
    },
  );
  app.get(
    '/v1/tenants',
    {
      schema: {
        tags,
        security,
        response: {
          200: z.object({
            data: z.array(tenantView),
            hasMore: z.boolean(),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    async () => ({ data: (await d.tenants.list()).map(view), hasMore: false, nextCursor: null }),
  );
  app.get(
    '/v1/tenants/:id',
    { schema: { tags, security, params, response: { 200: tenantView } } },
    async (req) => {
      const t = await d.tenants.get(req.params.id);
      if (!t) throw notFound();
      return view(t);
    },
  );
  app.patch(
    '/v1/tenants/:id',
    {
      schema: {
        tags,
        security,
        params,
        body: z.strictObject({ name: text(200) }),
        response: { 200: tenantView },
      },
    },
    async (req) => {
      const t = await d.tenants.rename(req.params.id, req.body.name);
      if (!t) throw notFound();
      return view(t);
    },
  );
  app.delete(
    '/v1/tenants/:id',
    { schema: { tags, security, params, response: { 202: z.object({ jobId: z.string() }) } } },
    async (req, reply) => {
      const id = req.params.id;
      if (id === DEFAULT_TENANT)
        throw new HeraldError('tenant_default', 409, 'Tenant default cannot be deleted.', [{ field: 'id' }]);
      if (!(await d.tenants.remove(id))) throw notFound();
      // Its keys stop now (and in every process within a second), its policy, branding and
      // templates go; a job removes its invites and unsubscribes.
      for (const k of await d.keys.list(id)) await d.keys.remove(k);
      await d.policies.remove(id);
      await d.branding.remove(id);
      await d.templates.removeTenant(id);
      // Only what the tenant held until now: a tenant made again with the same id while the job
      // runs keeps what it makes.
      return reply.code(202).send({ jobId: await d.jobs.purgeTenant(id, d.clock.now()) });
    },
  );
};
