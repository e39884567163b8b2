import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BRANDING_FIELDS, brandingInput, checkSender, normalise } from '../../branding/branding.js';
import type { BrandingStore } from '../../branding/store.js';
import { requireApiKey } from '../auth.js';
import type { Auth } from '../../access/auth.js';

const brandingView = z.object(Object.fromEntries(BRANDING_FIELDS.map((f) => [f, z.string().nullable()])));

/** GET/PUT /v1/branding (DESIGN §16): how a tenant's e-mails and landing page look. */
export const brandingRoutes: FastifyPluginAsyncZod<{
  branding: BrandingStore;
  senderDomains: string[];
  auth: Auth;
}> = async (app, d) => {
  requireApiKey(app, d.auth);
  const schema = { tags: ['branding'], security: [{ bearer: [] }] };
  app.get('/v1/branding', { schema: { ...schema, response: { 200: brandingView } } }, (req) =>
    d.branding.get(req.principal!.tenant),
  );
  app.put(
    '/v1/branding',
    { schema: { ...schema, body: brandingInput, response: { 200: brandingView } } },
    async (req) => {
      const b = normalise(req.body);
      checkSender(b, d.senderDomains);
      return d.branding.put(req.principal!.tenant, b);
    },
  );
};
