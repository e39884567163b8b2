import { invalid } from '../errors.js';

/** How far in the past a `sendAt` may be (clock skew between the caller and Herald). */
export const SEND_AT_SLACK_MS = 60_000;

/** `sendAt` (ISO) as epoch ms, or null to send now; past (beyond the slack) or after expiry → 400. */
export function resolveSendAt(
  sendAt: string | undefined,
  now: number,
  expiresAt: number | null,
): number | null {
  if (sendAt === undefined) return null;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(sendAt) ? Date.parse(sendAt) : NaN;
  if (Number.isNaN(ms)) throw invalid('sendAt', 'must be an ISO-8601 date-time', 'invalid_date');
  if (ms < now - SEND_AT_SLACK_MS) throw invalid('sendAt', 'must not be in the past', 'invalid_date');
  if (expiresAt !== null && ms >= expiresAt)
    throw invalid('sendAt', 'must be before the invite expires', 'invalid_date');
  return ms <= now ? null : ms;
}

/** Reminder delays (seconds after the first send): at most 3, each at least 1, increasing. */
export function checkReminders(delays: number[], field = 'reminders'): number[] {
  if (delays.length > 3) throw invalid(field, 'at most 3 reminders');
  delays.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1)
      throw invalid(field, 'each reminder is a whole number of seconds, at least 1');
    if (i > 0 && d <= delays[i - 1]) throw invalid(field, 'reminder delays must increase');
  });
  return delays;
}
