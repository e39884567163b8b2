import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { email } from '../../invites/inputs.js';
import { policyInput, REFUSALS, refusal } from '../../policy/policy.js';
import type { Policies } from '../../policy/store.js';
import type { Suppressions } from '../../suppressions/suppressions.js';
import { requireApiKey } from '../auth.js';
import type { Auth } from '../../access/auth.js';

const policyView = z.object({
  allowedDomains: z.array(z.string()),
  blockedDomains: z.array(z.string()),
  blockFreeMail: z.boolean(),
  blockDisposable: z.boolean(),
  blockSubaddressing: z.boolean(),
  requireApproval: z.boolean(),
});

/** Who may be invited (DESIGN §17): the policy, and a dry run of it over addresses. */
export const policyRoutes: FastifyPluginAsyncZod<{
  policies: Policies;
  suppressions: Suppressions;
  auth: Auth;
}> = async (app, d) => {
  requireApiKey(app, d.auth);
  const tags = ['policy'];
  const security = [{ bearer: [] }];

  app.get('/v1/policy', { schema: { tags, security, response: { 200: policyView } } }, (req) =>
    d.policies.get(req.principal!.tenant),
  );
  app.put(
    '/v1/policy',
    { schema: { tags, security, body: policyInput, response: { 200: policyView } } },
    (req) => d.policies.put(req.body, req.principal!.tenant),
  );
  app.post(
    '/v1/invites/check',
    {
      schema: {
        tags: ['invites'],
        security,
        body: z.strictObject({ emails: z.array(email).min(1).max(1000) }),
        response: {
          200: z.object({
            data: z.array(
              z.object({
                email: z.string(),
                allowed: z.boolean(),
                reason: z
                  .string()
                  .nullable()
                  .describe(`null, or one of: ${REFUSALS.join(', ')}`),
                suppressed: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const policy = await d.policies.get(req.principal!.tenant);
      const data = await Promise.all(
        req.body.emails.map(async (address) => {
          const reason = refusal(policy, address);
          const suppressed = await d.suppressions.get(req.principal!.tenant, address).then(
            () => true,
            (err: { code?: string }) => (err.code === 'suppression_not_found' ? false : Promise.reject(err)),
          );
          return { email: address, allowed: reason === null, reason, suppressed };
        }),
      );
      return { data };
    },
  );
};
