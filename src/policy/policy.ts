import { z } from 'zod';
import { asciiDomain, covered, domainOf, isDisposable, isFreeMail } from './domains.js';

const domain = z
  .string()
  .min(1)
  .max(253)
  .transform((d, ctx) => {
    const ascii = asciiDomain(d);
    if (
      !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(
        ascii,
      )
    ) {
      ctx.addIssue({ code: 'custom', message: 'must be a domain name' });
      return z.NEVER;
    }
    return ascii;
  });
const domains = z.array(domain).max(1000).default([]);

/** PUT /v1/policy's body: the whole policy; what is left out takes its default (DESIGN §17). */
export const policyInput = z.strictObject({
  allowedDomains: domains,
  blockedDomains: domains,
  blockFreeMail: z.boolean().default(false),
  blockDisposable: z.boolean().default(false),
  blockSubaddressing: z.boolean().default(false),
  requireApproval: z.boolean().default(false),
});
export type Policy = z.infer<typeof policyInput>;

export const DEFAULT_POLICY: Policy = policyInput.parse({});

export const REFUSALS = [
  'subaddress_not_allowed',
  'domain_blocked',
  'domain_not_allowed',
  'disposable_not_allowed',
  'free_mail_not_allowed',
] as const;
export type Refusal = (typeof REFUSALS)[number];

/**
 * Why the policy refuses an address, or null. In this order: a `+tag`, a blocked domain (or a
 * parent of it), a domain outside a non-empty allow list; an allowed domain is then taken as the
 * organisation's own, so the free-mail and disposable lists apply only when there is no allow list.
 */
export function refusal(policy: Policy, email: string): Refusal | null {
  const local = email.slice(0, email.lastIndexOf('@'));
  const d = domainOf(email);
  if (policy.blockSubaddressing && local.includes('+')) return 'subaddress_not_allowed';
  if (covered(new Set(policy.blockedDomains), d)) return 'domain_blocked';
  if (policy.allowedDomains.length)
    return covered(new Set(policy.allowedDomains), d) ? null : 'domain_not_allowed';
  if (policy.blockDisposable && isDisposable(d)) return 'disposable_not_allowed';
  if (policy.blockFreeMail && isFreeMail(d)) return 'free_mail_not_allowed';
  return null;
}

export const REFUSAL_MESSAGES: Record<Refusal, string> = {
  subaddress_not_allowed: 'Addresses with a +tag are not allowed by the policy.',
  domain_blocked: 'This domain is blocked by the policy.',
  domain_not_allowed: 'This domain is not among the domains the policy allows.',
  disposable_not_allowed: 'Disposable addresses are not allowed by the policy.',
  free_mail_not_allowed: 'Free-mail addresses are not allowed by the policy.',
};
