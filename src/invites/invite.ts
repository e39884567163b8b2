import { z } from 'zod';

export const STATUSES = ['pending', 'accepted', 'canceled', 'expired', 'declined'] as const;
export type Status = (typeof STATUSES)[number];
export const DELIVERY_STATUSES = [
  'none',
  'scheduled',
  'queued',
  'sent',
  'failed',
  'suppressed',
  'bounced',
] as const;

/**
 * The invite as stored in Redis (a status letter, then JSON). Times are epoch ms; `metadata`
 * stays a JSON string so Lua's cjson never re-encodes user data; `expiredAt` is derived (it is
 * `expiresAt`). Lua scripts own every change.
 */
export interface InviteDoc {
  id: string;
  salt: string;
  status: Status;
  email: string | null;
  emailKey: string | null;
  /** The recipient's name (greeting, To display name); absent in invites stored before names. */
  name?: string | null;
  /** Reminder delays in seconds after the first send. */
  reminders?: number[];
  role: string | null;
  scope: { type: string; id: string } | null;
  inviter: { id: string | null; name: string | null };
  maxUses: number;
  uses: number;
  temporary: boolean;
  metadata: string;
  locale: string;
  redirectUrl: string | null;
  batchId: string | null;
  acceptedBy: { userId: string | null; email: string | null; at: number }[] | Record<string, never>;
  delivery: {
    status: (typeof DELIVERY_STATUSES)[number];
    attempts: number;
    sends: number;
    lastSentAt: number | null;
    lastError: string | null;
    messageId: string | null;
    /** Highest send sequence the SMTP server accepted; a job at or below it never sends again. */
    sentSeq: number;
    /** Sequence number handed to the most recent send job. */
    queuedSeq: number;
    lastQueuedAt: number | null;
    /** When a first send waits for `sendAt`. */
    scheduledFor?: number | null;
  };
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  acceptedAt: number | null;
  canceledAt: number | null;
  openedAt?: number | null;
  declinedAt?: number | null;
  /** The tenant the invite belongs to (DESIGN §15); `default` until tenants exist. */
  tenant: string;
  /** The template version of the last message sent, e.g. `invite/en@3` (DESIGN §16). */
  templateVersion: string | null;
}

const iso = (ms: number | null) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** A pending invite past its expiry reads as expired, whether or not a sweep stored that. */
export function effectiveStatus(doc: InviteDoc, now: number): Status {
  if (doc.status === 'pending' && doc.expiresAt !== null && doc.expiresAt <= now) return 'expired';
  return doc.status;
}

export const inviteView = z.object({
  id: z.string(),
  code: z.string(),
  url: z.string(),
  status: z.enum(STATUSES),
  email: z.string().nullable(),
  role: z.string().nullable(),
  scope: z.object({ type: z.string(), id: z.string() }).nullable(),
  inviter: z.object({ id: z.string().nullable(), name: z.string().nullable() }),
  maxUses: z.number(),
  uses: z.number(),
  temporary: z.boolean(),
  metadata: z.record(z.string(), z.unknown()),
  locale: z.string(),
  redirectUrl: z.string().nullable(),
  batchId: z.string().nullable(),
  acceptedBy: z.array(
    z.object({ userId: z.string().nullable(), email: z.string().nullable(), at: z.string() }),
  ),
  delivery: z.object({
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number(),
    sends: z.number(),
    lastSentAt: z.string().nullable(),
    lastError: z.string().nullable(),
    messageId: z.string().nullable(),
    scheduledFor: z.string().nullable(),
  }),
  reminders: z.array(z.number()),
  name: z.string().nullable(),
  openedAt: z.string().nullable(),
  declinedAt: z.string().nullable(),
  tenant: z.string(),
  templateVersion: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string().nullable(),
  acceptedAt: z.string().nullable(),
  canceledAt: z.string().nullable(),
  expiredAt: z.string().nullable(),
});
export type Invite = z.infer<typeof inviteView>;

/** The API shape of a stored invite, as seen at `now`. */
export function toView(doc: InviteDoc, code: string, publicUrl: string, now: number): Invite {
  const status = effectiveStatus(doc, now);
  const accepted = Array.isArray(doc.acceptedBy) ? doc.acceptedBy : [];
  const d = doc.delivery;
  return {
    id: doc.id,
    code,
    url: `${publicUrl}/i/${code}`,
    status,
    email: doc.email,
    role: doc.role,
    scope: doc.scope,
    inviter: { id: doc.inviter.id ?? null, name: doc.inviter.name ?? null },
    maxUses: doc.maxUses,
    uses: doc.uses,
    temporary: doc.temporary,
    metadata: JSON.parse(doc.metadata || '{}'),
    locale: doc.locale,
    redirectUrl: doc.redirectUrl,
    batchId: doc.batchId,
    acceptedBy: accepted.map((a) => ({ userId: a.userId ?? null, email: a.email ?? null, at: iso(a.at)! })),
    delivery: {
      status: d.status,
      attempts: d.attempts,
      sends: d.sends,
      lastSentAt: iso(d.lastSentAt),
      lastError: d.lastError ?? null,
      messageId: d.messageId ?? null,
      scheduledFor: iso(d.scheduledFor ?? null),
    },
    // Lua's cjson writes an empty array back as {}.
    reminders: Array.isArray(doc.reminders) ? doc.reminders : [],
    name: doc.name ?? null,
    openedAt: iso(doc.openedAt ?? null),
    declinedAt: iso(doc.declinedAt ?? null),
    tenant: doc.tenant,
    templateVersion: doc.templateVersion,
    createdAt: iso(doc.createdAt)!,
    updatedAt: iso(doc.updatedAt)!,
    expiresAt: iso(doc.expiresAt),
    acceptedAt: iso(doc.acceptedAt),
    canceledAt: iso(doc.canceledAt),
    expiredAt: status === 'expired' ? iso(doc.expiresAt) : null,
  };
}
