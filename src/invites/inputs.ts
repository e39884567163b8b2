import { z } from 'zod';
import { STATUSES } from './invite.js';

// Control characters (CR/LF above all) never belong in a name, role or address: they are how
// header injection starts.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f]/;

/** A one-line string of 1..max characters. */
export const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !CONTROL.test(v), 'must not contain control characters');

export const email = z
  .string()
  .max(254)
  .pipe(z.email({ message: 'must be a valid e-mail address' }));

export const MAX_AGE_LIMIT = 10 * 365 * 24 * 3600;
export const METADATA_LIMIT = 8 * 1024;

const metadata = z
  .record(z.string().max(200), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= METADATA_LIMIT, 'must be at most 8 KiB as JSON');

/** Fields shared by a single create and a bulk send. */
export const sharedFields = {
  role: text(100).nullable().optional(),
  scope: z
    .strictObject({ type: text(100), id: text(200) })
    .nullable()
    .optional(),
  inviter: z
    .strictObject({ id: text(200).nullable().optional(), name: text(200).nullable().optional() })
    .optional(),
  maxUses: z.number().int().min(0).max(1_000_000).optional(),
  maxAge: z.number().int().min(0).max(MAX_AGE_LIMIT).optional(),
  expiresAt: z.string().max(64).optional(),
  temporary: z.boolean().optional(),
  restrictDomains: z.boolean().optional(),
  metadata: metadata.optional(),
  locale: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/, 'must be a language tag like en or pt-BR')
    .optional(),
  redirectUrl: z.string().max(2048).nullable().optional(),
  sendAt: z.string().max(64).optional(),
  reminders: z.array(z.number().int().min(1).max(MAX_AGE_LIMIT)).max(3).optional(),
};

/** The recipient's name: greeting and To display name. */
export const personName = text(200);

export const createInput = z.strictObject({
  ...sharedFields,
  email: email.nullable().optional(),
  name: personName.nullable().optional(),
  send: z.boolean().optional(),
  count: z.number().int().min(1).max(100).optional(),
});
export type CreateInput = z.infer<typeof createInput>;

export const bulkInput = z.strictObject({
  ...sharedFields,
  // Each address is checked in the service, so that every invalid one can be listed at once.
  emails: z.union([
    z.string().max(1000),
    z
      .array(
        z.union([
          z.string().max(1000),
          z.strictObject({
            email: z.string().max(1000),
            name: personName.nullable().optional(),
            role: sharedFields.role,
            locale: sharedFields.locale,
            metadata: sharedFields.metadata,
          }),
        ]),
      )
      .min(1),
  ]),
});
/** One recipient of a bulk send, with what it sets for itself. */
export type Recipient = {
  email: string;
  name?: string | null;
  role?: string | null;
  locale?: string;
  metadata?: Record<string, unknown>;
};
export type BulkInput = z.infer<typeof bulkInput>;

export const patchInput = z.strictObject({
  role: sharedFields.role,
  maxAge: sharedFields.maxAge,
  expiresAt: z.string().max(64).nullable().optional(),
  maxUses: sharedFields.maxUses,
  metadata: sharedFields.metadata,
  redirectUrl: sharedFields.redirectUrl,
});
export type PatchInput = z.infer<typeof patchInput>;

export const acceptInput = z.strictObject({
  userId: text(200),
  email: email.optional(),
});
export type AcceptInput = z.infer<typeof acceptInput>;

export const resendInput = z
  .strictObject({ rotateCode: z.boolean().optional(), maxAge: sharedFields.maxAge })
  .nullish();
export type ResendInput = z.infer<typeof resendInput>;

const isoDate = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' });
export const SORTS = [
  'createdAt',
  '-createdAt',
  'expiresAt',
  '-expiresAt',
  'updatedAt',
  '-updatedAt',
] as const;

export const listQuery = z.strictObject({
  status: z
    .string()
    .max(100)
    .refine((v) => v.split(',').every((s) => (STATUSES as readonly string[]).includes(s)), {
      message: `must be a comma list of ${STATUSES.join(', ')}`,
    })
    .optional(),
  email: z.string().max(254).optional(),
  role: text(100).optional(),
  inviterId: text(200).optional(),
  acceptedBy: text(200).optional(),
  scopeType: text(100).optional(),
  scopeId: text(200).optional(),
  batchId: text(100).optional(),
  code: text(100).optional(),
  createdAfter: isoDate.optional(),
  createdBefore: isoDate.optional(),
  expiresAfter: isoDate.optional(),
  expiresBefore: isoDate.optional(),
  sort: z.enum(SORTS).default('-createdAt'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(300).optional(),
});
export type ListQuery = z.infer<typeof listQuery>;
