import type { Redis } from 'ioredis';
import type { PolicyPort } from '../invites/ports.js';
import { dataKeys } from '../keys.js';
import { ttlCache } from '../ttl-cache.js';
import { DEFAULT_POLICY, policyInput, refusal, type Policy } from './policy.js';

/** How long a process keeps a policy before reading it again: a change reaches every process within this. */
const CACHE_MS = 1000;

export type Policies = ReturnType<typeof createPolicies>;

/**
 * Invite policies in Redis, one per tenant (DESIGN §17), read through a short cache so the create
 * path does not pay a round trip per invite.
 */
export function createPolicies(redis: Redis, prefix: string) {
  const D = dataKeys(prefix);
  const cache = ttlCache(CACHE_MS, async (tenant): Promise<Policy> => {
    const raw = await redis.get(D.policy(tenant));
    return raw ? policyInput.parse(JSON.parse(raw)) : DEFAULT_POLICY;
  });
  const policies = {
    get: (tenant = 'default'): Promise<Policy> => cache.get(tenant),
    async put(policy: Policy, tenant = 'default'): Promise<Policy> {
      await redis.set(D.policy(tenant), JSON.stringify(policy));
      cache.set(tenant, policy);
      return policy;
    },
    /** The domain's view of the tenants' policies. */
    port(): PolicyPort {
      return {
        async check(emails, tenant) {
          const policy = await policies.get(tenant);
          return emails.map((e) => refusal(policy, e));
        },
        requiresApproval: async (tenant) => (await policies.get(tenant)).requireApproval,
      };
    },
    async remove(tenant: string) {
      cache.delete(tenant);
      await redis.del(D.policy(tenant));
    },
  };
  return policies;
}
