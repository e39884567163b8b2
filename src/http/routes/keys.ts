import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Auth, Principal } from '../../access/auth.js';
import { newSecret, secretDigest, type KeyRecord, type KeyStore } from '../../access/key-store.js';
import { grants, SCOPES, type Scope } from '../../access/scopes.js';
import { HeraldError } from '../../errors.js';
import { text } from '../../invites/inputs.js';
import { requireApiKey } from '../auth.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const keyView = z.object({
  id: z.string(),
  name: z.string(),
  tenant: z.string(),
  scopes: z.array(z.string()),
  scopeIds: z.array(z.string()).nullable(),
  createdAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
const scopeId = z
  .string()
  .min(3)
  .max(301)
  .regex(/^[^:\s]{1,100}:\S{1,200}$/, 'must be TYPE:ID');

const escalation = (what: string) =>
  new HeraldError('scope_escalation', 403, `A key can only give what it holds itself: ${what}.`, [
    { field: what },
  ]);

/** Whether a key with `p`'s rights may create one with `scopes` and `scopeIds` (DESIGN §15). */
function checkGrant(p: Principal, scopes: Scope[], scopeIds: string[] | null) {
  for (const s of scopes)
    if (s === '*' ? !p.scopes.includes('*') : !grants(p.scopes, s)) throw escalation('scopes');
  if (p.scopeIds && (scopeIds === null || scopeIds.some((s) => !p.scopeIds!.includes(s))))
    throw escalation('scopeIds');
}

/** Tenant API keys (DESIGN §15): secrets shown once, stored as digests, revoked within a second. */
export const keyRoutes: FastifyPluginAsyncZod<{ auth: Auth; keys: KeyStore }> = async (app, d) => {
  requireApiKey(app, d.auth);
  const tags = ['keys'];
  const security = [{ bearer: [] }];
  const view = async (rec: KeyRecord) => {
    const [stored] = await d.keys.lastUsed([rec.id]);
    const last = Math.max(stored ?? 0, d.auth.pendingUse(rec.id) ?? 0);
    const { digest: _digest, ...rest } = rec;
    return {
      ...rest,
      createdAt: iso(rec.createdAt),
      expiresAt: iso(rec.expiresAt),
      lastUsedAt: iso(last || null),
    };
  };

  app.post(
    '/v1/keys',
    {
      schema: {
        tags,
        security,
        body: z.strictObject({
          name: text(100),
          scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
          scopeIds: z.array(scopeId).min(1).max(100).nullable().optional(),
          expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
        }),
        response: { 201: keyView.extend({ secret: z.string() }) },
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      const scopes = [...new Set(req.body.scopes)];
      const scopeIds = req.body.scopeIds ? [...new Set(req.body.scopeIds)] : null;
      const expiresAt = req.body.expiresAt ? Date.parse(req.body.expiresAt) : null;
      if (expiresAt !== null && expiresAt <= Date.now())
        throw new HeraldError('invalid_date', 400, 'expiresAt must be in the future.', [
          { field: 'expiresAt' },
        ]);
      checkGrant(p, scopes, scopeIds);
      const { id, secret } = newSecret();
      const rec: KeyRecord = {
        id,
        name: req.body.name,
        tenant: p.tenant,
        scopes,
        scopeIds,
        createdAt: Date.now(),
        expiresAt,
        digest: secretDigest(secret),
      };
      await d.keys.create(rec);
      return reply.code(201).send({ ...(await view(rec)), secret });
    },
  );
  app.get(
    '/v1/keys',
    { schema: { tags, security, response: { 200: z.object({ data: z.array(keyView) }) } } },
    async (req) => ({
      data: await Promise.all((await d.keys.list(req.principal!.tenant)).map(view)),
    }),
  );
  app.get('/v1/keys/self', { schema: { tags, security, response: { 200: keyView } } }, async (req) => {
    const p = req.principal!;
    const rec = p.operator ? null : await d.keys.get(p.keyId);
    if (rec) return view(rec);
    // An operator key (API_KEYS) lives in the configuration, not in Redis.
    return {
      id: `op_${p.keyId}`,
      name: 'operator key (API_KEYS)',
      tenant: p.tenant,
      scopes: p.scopes,
      scopeIds: null,
      createdAt: null,
      expiresAt: null,
      lastUsedAt: null,
    };
  });
  app.delete(
    '/v1/keys/:id',
    { schema: { tags, security, params: z.strictObject({ id: z.string().min(1).max(100) }) } },
    async (req, reply) => {
      const rec = await d.keys.get(req.params.id);
      // Another tenant's key answers as if it did not exist.
      if (!rec || rec.tenant !== req.principal!.tenant || !(await d.keys.remove(rec)))
        throw new HeraldError('key_not_found', 404, 'No such key.');
      return reply.code(204).send();
    },
  );
};
