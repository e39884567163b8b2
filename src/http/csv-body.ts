import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HeraldError } from '../errors.js';
import { readRecipientsCsv } from '../invites/csv.js';
import { text } from '../invites/inputs.js';

/** The shared fields of a CSV bulk send, as query parameters (DESIGN §12). */
const csvQuery = z.strictObject({
  scopeType: text(100).optional(),
  scopeId: text(200).optional(),
  role: text(100).optional(),
  inviterId: text(200).optional(),
  inviterName: text(200).optional(),
  maxAge: z.coerce.number().int().min(0).optional(),
  expiresAt: z.string().max(64).optional(),
  sendAt: z.string().max(64).optional(),
  locale: z.string().max(40).optional(),
  redirectUrl: z.string().max(2048).optional(),
  reminders: z
    .string()
    .regex(/^\d+(,\d+){0,2}$/, 'must be up to 3 comma-separated delays in seconds')
    .transform((v) => v.split(',').map(Number))
    .optional(),
});

const isCsv = (req: FastifyRequest) => /^text\/csv\b/i.test(req.headers['content-type'] ?? '');

/**
 * For `Content-Type: text/csv` on the bulk route: turns the file and its query parameters into
 * the JSON body the route validates as usual, so both forms share one path.
 */
export function csvBody(maxRows: () => number) {
  return async (req: FastifyRequest) => {
    if (!isCsv(req)) return;
    const q = csvQuery.safeParse(req.query ?? {});
    if (!q.success) {
      const details = q.error.issues.map((i) => ({ field: i.path.join('.') || 'query', message: i.message }));
      throw new HeraldError(
        'validation_failed',
        400,
        `Query: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
        details,
      );
    }
    const { scopeType, scopeId, inviterId, inviterName, ...shared } = q.data;
    if ((scopeType === undefined) !== (scopeId === undefined)) {
      throw new HeraldError('validation_failed', 400, 'scopeType and scopeId go together.', [
        { field: 'scopeId' },
      ]);
    }
    const { recipients: emails, lines } = await readRecipientsCsv(req.body as Buffer, maxRows());
    req.csvLines = lines;
    req.body = {
      ...shared,
      ...(scopeType ? { scope: { type: scopeType, id: scopeId } } : {}),
      ...(inviterId || inviterName ? { inviter: { id: inviterId, name: inviterName } } : {}),
      emails: emails.map((r) => (Object.keys(r).length === 1 ? r.email : r)),
    };
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** For a CSV body: each recipient's line in the file (the header is line 1). */
    csvLines?: number[];
  }
}

/**
 * Addresses the policy refused, named by their CSV lines (DESIGN §17: `invalid_rows`) when the
 * body was a CSV file; any other error as it was.
 */
export function asCsvRows(err: unknown, req: FastifyRequest): unknown {
  if (!req.csvLines || !(err instanceof HeraldError) || err.code !== 'invalid_emails') return err;
  const details = (err.details as { field: string; message: string; code?: string }[]).map((d) => ({
    line: req.csvLines![Number(/\[(\d+)\]/.exec(d.field)?.[1] ?? -1)] ?? 0,
    column: 'email',
    message: d.message,
    ...(d.code ? { code: d.code } : {}),
  }));
  return new HeraldError('invalid_rows', 400, `${details.length} row(s) of the CSV are not valid.`, details);
}
