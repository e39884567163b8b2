import { z } from 'zod';
import { CONTROL } from '../invites/inputs.js';
import { inviteView } from '../invites/invite.js';

const CONTROL_CHARS = new RegExp(CONTROL.source, 'g');

export const idParams = z.strictObject({ id: z.string().min(1).max(200) });
export const codeParams = z.strictObject({ code: z.string().min(1).max(200) });
export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.array(z.unknown()) }),
});
export const inviteList = z.object({
  data: z.array(inviteView),
  hasMore: z.boolean(),
  nextCursor: z.string().nullable(),
});
export const batchView = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', 'done']),
  total: z.number(),
  created: z.number(),
  duplicates: z.number(),
  sent: z.number(),
  failed: z.number(),
  suppressed: z.number(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export const eventList = z.object({ data: z.array(z.object({ type: z.string(), at: z.string() }).loose()) });

/** The audit reason from X-Audit-Log-Reason (URL-encoded or plain), one line, at most 512 chars. */
export function auditReason(header: string | string[] | undefined): string {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return '';
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // not URL-encoded: keep as sent
  }
  return text.replace(CONTROL_CHARS, ' ').slice(0, 512);
}
