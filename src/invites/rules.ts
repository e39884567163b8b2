import { HeraldError, invalid } from '../errors.js';
import { MAX_AGE_LIMIT } from './inputs.js';
import { REFUSAL_MESSAGES, type Refusal } from '../policy/policy.js';

/** The status each script refusal maps to; one table so every route answers alike. */
const REFUSALS: Record<string, [number, string]> = {
  invite_not_found: [404, 'No such invite.'],
  invite_expired: [409, 'The invite has expired.'],
  invite_canceled: [409, 'The invite was canceled.'],
  invite_used: [409, 'The invite has no uses left.'],
  invite_accepted: [409, 'The invite was already accepted.'],
  invite_not_pending: [409, 'Only a pending invite can be changed.'],
  invite_has_no_email: [409, 'The invite has no e-mail address to send to.'],
  email_mismatch: [403, 'The invite was sent to a different e-mail address.'],
  max_uses_below_uses: [409, 'maxUses must be above the uses already made.'],
  resend_cooldown: [429, 'The invite was sent moments ago; try again later.'],
  code_collision: [503, 'Could not draw a fresh code; try again.'],
  invite_declined: [409, 'The invite was declined.'],
  suppression_not_found: [404, 'That address is not suppressed.'],
  invite_pending_approval: [409, 'The invite waits for approval.'],
  invite_rejected: [409, 'The invite was rejected.'],
  invite_not_waiting: [409, 'Only an invite waiting for approval can be approved or rejected.'],
  domain_not_allowed: [403, "This invite only admits addresses the organisation's policy allows."],
};

/** An address the invite policy refuses (DESIGN §17): 422 with the rule's code, naming `email`. */
export function policyRefusal(code: string): HeraldError {
  const message = REFUSAL_MESSAGES[code as Refusal] ?? 'The policy refuses this address.';
  return new HeraldError(code, 422, message, [{ field: 'email', message }]);
}

/** Turns a Lua script's ['err', code, extra?] reply into a HeraldError. */
export function refusal(code: string, extra?: string): HeraldError {
  const [status, message] = REFUSALS[code] ?? [409, code];
  const headers: Record<string, string> = code === 'resend_cooldown' && extra ? { 'retry-after': extra } : {};
  return new HeraldError(code, status, message, [], headers);
}

/**
 * Resolves `expiresAt` / `maxAge` to epoch ms (null = never). `fallbackTtl` (seconds, 0 = never)
 * applies when neither is given; pass undefined to mean "leave unchanged".
 */
export function resolveExpiry(
  input: { expiresAt?: string | null; maxAge?: number },
  now: number,
  fallbackTtl?: number,
): number | null | undefined {
  if (input.expiresAt !== undefined && input.maxAge !== undefined) {
    throw invalid('expiresAt', 'give either expiresAt or maxAge, not both');
  }
  if (input.expiresAt === null) return null;
  if (input.expiresAt !== undefined) {
    const ms = /^\d{4}-\d{2}-\d{2}/.test(input.expiresAt) ? Date.parse(input.expiresAt) : NaN;
    if (Number.isNaN(ms)) throw invalid('expiresAt', 'must be an ISO-8601 date-time', 'invalid_date');
    if (ms <= now) throw invalid('expiresAt', 'must be in the future', 'invalid_date');
    if (ms > now + MAX_AGE_LIMIT * 1000)
      throw invalid('expiresAt', 'must be within 10 years', 'invalid_date');
    return ms;
  }
  if (input.maxAge !== undefined) return input.maxAge === 0 ? null : now + input.maxAge * 1000;
  if (fallbackTtl === undefined) return undefined;
  return fallbackTtl === 0 ? null : now + fallbackTtl * 1000;
}

/** A redirect must be plain http(s) to an allowed origin, with no credentials in it. */
export function checkRedirect(
  url: string | null | undefined,
  allowlist: string[],
): string | null | undefined {
  if (url === null || url === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('redirectUrl', 'must be an absolute http(s) URL', 'redirect_not_allowed');
  }
  const ok =
    (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
    !parsed.username &&
    !parsed.password &&
    allowlist.includes(parsed.origin);
  if (!ok)
    throw invalid('redirectUrl', `origin must be one of ${allowlist.join(', ')}`, 'redirect_not_allowed');
  return parsed.href;
}
