import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HeraldError } from '../../errors.js';
import { email, text } from '../../invites/inputs.js';
import type { Service } from '../../invites/service.js';
import type { TemplateService } from '../../templates/service.js';
import { requireApiKey } from '../auth.js';
import { inScopes } from '../../access/scopes.js';
import type { Auth } from '../../access/auth.js';

const name = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/i, 'must be a kind or locale name');
const params = z.strictObject({ kind: name, locale: name });
const versionParams = params.extend({ n: z.coerce.number().int().min(0).max(1e9) });
const source = z.strictObject({
  subject: text(500),
  mjml: z.string().min(1).max(500_000),
  text: z.string().min(1).max(200_000),
});
const version = z.object({
  kind: z.string(),
  locale: z.string(),
  version: z.number(),
  status: z.enum(['draft', 'published', 'retired']),
  subject: z.string(),
  mjml: z.string(),
  text: z.string(),
  createdAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  publishedAt: z.string().nullable(),
  publishedBy: z.string().nullable(),
});
const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);
const view = <V extends { createdAt: number; publishedAt: number | null }>(v: V) => ({
  ...v,
  createdAt: iso(v.createdAt),
  publishedAt: iso(v.publishedAt),
});
const sample = z.strictObject({
  inviterName: text(200).nullish(),
  scope: z.strictObject({ type: text(100), id: text(200) }).nullish(),
  role: text(100).nullish(),
  name: text(200).nullish(),
});

/** Template versions per tenant, kind and locale (DESIGN §16). */
export const templateRoutes: FastifyPluginAsyncZod<{
  templates: TemplateService;
  service: Service;
  auth: Auth;
}> = async (app, d) => {
  requireApiKey(app, d.auth);
  const schema = { tags: ['templates'], security: [{ bearer: [] }] };
  const tenant = (req: { principal?: { tenant: string } }) => req.principal!.tenant;
  const by = (req: { apiKeyId?: string }) => req.apiKeyId ?? null;

  app.get(
    '/v1/templates',
    {
      schema: {
        ...schema,
        response: {
          200: z.object({
            data: z.array(
              z.object({ kind: z.string(), locale: z.string(), published: z.number(), latest: z.number() }),
            ),
          }),
        },
      },
    },
    async (req) => ({ data: await d.templates.list(tenant(req)) }),
  );
  app.put(
    '/v1/templates/:kind/:locale',
    {
      schema: {
        ...schema,
        params,
        body: source,
        response: {
          201: z.object({
            kind: z.string(),
            locale: z.string(),
            version: z.number(),
            status: z.literal('draft'),
            warnings: z.array(z.string()),
          }),
        },
      },
    },
    async (req, reply) => {
      const { kind, locale } = req.params;
      return reply.code(201).send(await d.templates.draft(tenant(req), kind, locale, req.body, by(req)));
    },
  );
  app.get(
    '/v1/templates/:kind/:locale/versions/:n',
    { schema: { ...schema, params: versionParams, response: { 200: version } } },
    async (req) =>
      view(await d.templates.version(tenant(req), req.params.kind, req.params.locale, req.params.n)),
  );
  app.post(
    '/v1/templates/:kind/:locale/versions/:n/publish',
    { schema: { ...schema, params: versionParams, response: { 200: version } } },
    async (req) => {
      const { kind, locale, n } = req.params;
      return view(await d.templates.publish(tenant(req), kind, locale, n, by(req)));
    },
  );
  app.post(
    '/v1/templates/:kind/:locale/preview',
    {
      schema: {
        ...schema,
        params,
        body: z
          .strictObject({
            version: z.number().int().min(0).optional(),
            inviteId: z.string().max(64).optional(),
            sample: sample.optional(),
          })
          .refine((b) => !(b.inviteId && b.sample), {
            message: 'give inviteId or sample, not both',
            path: ['sample'],
          })
          .nullish(),
        response: {
          200: z.object({
            subject: z.string(),
            html: z.string(),
            text: z.string(),
            bytes: z.number(),
            warnings: z.array(z.string()),
          }),
        },
      },
    },
    async (req) => {
      const { kind, locale } = req.params;
      const b = req.body ?? {};
      let data;
      if (b.inviteId) {
        const inv = await d.service.get(b.inviteId).catch(() => null);
        const p = req.principal!;
        if (!inv || inv.tenant !== p.tenant || (p.scopeIds && !inScopes(p.scopeIds, inv.scope)))
          throw new HeraldError('invite_not_found', 404, 'No such invite.', [{ field: 'inviteId' }]);
        data = {
          inviterName: inv.inviter?.name ?? null,
          scope: inv.scope,
          role: inv.role,
          url: inv.url,
          expiresAt: inv.expiresAt ? Date.parse(inv.expiresAt) : null,
          locale,
          name: inv.name,
        };
      }
      const m = await d.templates.render(tenant(req), kind, locale, {
        version: b.version,
        data,
        sample: b.sample ?? undefined,
      });
      return { subject: m.subject, html: m.html, text: m.text, bytes: m.bytes, warnings: m.warnings };
    },
  );
  app.post(
    '/v1/templates/:kind/:locale/test',
    {
      schema: {
        ...schema,
        params,
        body: z.strictObject({ to: email, version: z.number().int().min(0).optional() }),
        response: { 202: z.object({ queued: z.boolean(), reason: z.string().nullable() }) },
      },
    },
    async (req, reply) => {
      const { kind, locale } = req.params;
      const r = await d.templates.testSend(tenant(req), kind, locale, req.body.to, req.body.version);
      return reply.code(202).send(r);
    },
  );
};
