import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../errors.js';
import type { Auth, Principal } from '../access/auth.js';
import { grants, type Scope } from '../access/scopes.js';
import { TENANT_ID } from '../tenants/store.js';

export const unauthorized = () =>
  new HeraldError('unauthorized', 401, 'A valid API key is required: Authorization: Bearer <key>.', [], {
    'www-authenticate': 'Bearer',
  });

declare module 'fastify' {
  interface FastifyRequest {
    apiKeyId?: string;
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The scope a key needs for this route (src/http/operations.ts); none: any valid key. */
    scope?: Scope | 'operator';
  }
}

/**
 * Puts every route of this plugin behind an API key (the same 401 for any bad key), checks the
 * `Herald-Tenant` header (DESIGN §15) and the scope the route needs.
 */
export function requireApiKey(app: FastifyInstance, auth: Auth) {
  app.addHook('onRequest', async (req) => {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
    const p = m ? await auth.principal(m[1]) : null;
    if (!p) throw unauthorized();
    const asked = req.headers['herald-tenant'];
    if (asked !== undefined && asked !== p.tenant) {
      if (!p.operator) throw insufficientScope('Herald-Tenant names another tenant than the key’s.', null);
      if (typeof asked !== 'string' || !TENANT_ID.test(asked) || !(await auth.tenantExists(asked)))
        throw new HeraldError('tenant_not_found', 404, 'No such tenant (Herald-Tenant).', [
          { field: 'Herald-Tenant' },
        ]);
      p.tenant = asked;
    }
    const needed = req.routeOptions.config.scope;
    // `operator`: routes only operator keys may use (tenants); no scope of a tenant key grants it.
    const allowed = needed === 'operator' ? p.operator : !needed || grants(p.scopes, needed);
    if (!allowed) throw insufficientScope(`This needs the scope ${needed}.`, needed ?? null);
    req.principal = p;
    req.apiKeyId = p.keyId;
  });
}

export const insufficientScope = (message: string, scope: string | null) =>
  new HeraldError('insufficient_scope', 403, message, scope ? [{ scope }] : []);
