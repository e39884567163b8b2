import { z } from 'zod';

/*
 * Every stored field of an invite, declared once: its name in Redis, its type, the value left out
 * when stored, whether it is a time, whether a list filter indexes it, and how the API shows it.
 * Everything else is derived from this file at load time: the stored document's type and the
 * API view (invite.ts), the codec TypeScript and Lua share (layout.ts hands LAYOUT to every
 * script), and the status letters. To add a field: declare it here; then set it where it changes
 * (a Lua script, or drafts.ts/inputs.ts for a value given at creation).
 */

/** Each status and the letter that starts a stored invite (a sweep flips it without decoding). */
export const STATUS_LETTERS = {
  pending_approval: 'W',
  pending: 'P',
  accepted: 'A',
  canceled: 'C',
  expired: 'E',
  declined: 'D',
  rejected: 'R',
} as const;
export type Status = keyof typeof STATUS_LETTERS;
export const STATUSES = Object.keys(STATUS_LETTERS) as [Status, ...Status[]];

export const DELIVERY_STATUSES = [
  'none',
  'scheduled',
  'queued',
  'sent',
  'failed',
  'suppressed',
  'bounced',
] as const;

/** The stored document, short of its id and status (the key and the first letter hold them). */
export interface StoredField {
  /** Its name in Redis: short, since every invite and every feed event carries it. */
  stored: string;
  type: z.ZodType;
  /** Left out when stored while it holds this (an empty list stands for []); none: always stored. */
  default?: unknown;
  /** Epoch ms, stored in base 36 (8 characters) and shown as ISO-8601. */
  time?: true;
  /** An object inside the invite: its fields' stored names, defaults and times. */
  nested?: { names: Record<string, string>; defaults: Record<string, unknown>; times?: string[] };
  /** A list of objects: the stored names inside each item (nulls left out), and its times. */
  items?: { names: Record<string, string>; times: string[] };
  /** List filters over it: filter kind → the path of the value (a list on the way: each item). */
  indexed?: Record<string, string>;
  /** How GET shows it: false for never; else its zod view and value (default: as stored, times as ISO). */
  view?: false | { schema: z.ZodType; from: (v: never) => unknown };
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
const nullable = z.string().nullable();
const field = <const F extends StoredField>(f: F) => f;

export const FIELDS = {
  salt: field({ stored: 'sa', type: z.string(), view: false }),
  // The code's look-up digest (never the code: Redis holds nothing that accepts an invite).
  digest: field({ stored: 'dg', type: z.string(), view: false }),
  email: field({ stored: 'e', type: nullable, default: null }),
  // The lowercase address, left out when it equals `email` (layout.ts and lua/lib/codec.lua's encode).
  emailKey: field({ stored: 'k', type: nullable, view: false, indexed: { email: 'emailKey' } }),
  role: field({ stored: 'r', type: nullable, default: null, indexed: { role: 'role' } }),
  scope: field({
    stored: 'sc',
    type: z.object({ type: z.string(), id: z.string() }).nullable(),
    default: null,
    nested: { names: { type: 't', id: 'i' }, defaults: {} },
    indexed: { stype: 'scope.type', sid: 'scope.id' },
  }),
  inviter: field({
    stored: 'v',
    type: z.object({ id: nullable, name: nullable }),
    nested: { names: { id: 'i', name: 'n' }, defaults: { id: null, name: null } },
    indexed: { inviter: 'inviter.id' },
  }),
  maxUses: field({ stored: 'mu', type: z.number(), default: 1 }),
  uses: field({ stored: 'u', type: z.number(), default: 0 }),
  temporary: field({ stored: 'tp', type: z.boolean(), default: false }),
  /** An open invite whose accepting address must pass the tenant's policy (DESIGN §17). */
  restrictDomains: field({ stored: 'rd', type: z.boolean(), default: false }),
  // A JSON string, so Lua's cjson never re-encodes user data.
  metadata: field({
    stored: 'md',
    type: z.string(),
    default: '{}',
    view: { schema: z.record(z.string(), z.unknown()), from: (v: string) => JSON.parse(v || '{}') },
  }),
  locale: field({ stored: 'l', type: z.string(), default: 'en' }),
  redirectUrl: field({ stored: 'ru', type: nullable, default: null }),
  batchId: field({ stored: 'bt', type: nullable, default: null, indexed: { batch: 'batchId' } }),
  acceptedBy: field({
    stored: 'ab',
    type: z.array(z.object({ userId: nullable, email: nullable, at: z.number() })),
    default: [],
    items: { names: { userId: 'u', email: 'e', at: 'a' }, times: ['at'] },
    indexed: { user: 'acceptedBy.userId' },
    view: {
      schema: z.array(z.object({ userId: nullable, email: nullable, at: z.string() })),
      // Lua's cjson writes an empty list back as {}.
      from: (v: { userId?: string | null; email?: string | null; at: number }[]) =>
        (Array.isArray(v) ? v : []).map((a) => ({
          userId: a.userId ?? null,
          email: a.email ?? null,
          at: iso(a.at),
        })),
    },
  }),
  delivery: field({
    stored: 'd',
    type: z.object({
      status: z.enum(DELIVERY_STATUSES),
      attempts: z.number(),
      sends: z.number(),
      lastSentAt: z.number().nullable(),
      lastError: nullable,
      messageId: nullable,
      /** Highest send sequence the SMTP server accepted; a job at or below it never sends again. */
      sentSeq: z.number(),
      /** Sequence number handed to the most recent send job. */
      queuedSeq: z.number(),
      lastQueuedAt: z.number().nullable(),
      /** When a first send waits for `sendAt`. */
      scheduledFor: z.number().nullable(),
    }),
    nested: {
      names: {
        status: 's',
        attempts: 'a',
        sends: 'n',
        lastSentAt: 'ls',
        lastError: 'le',
        messageId: 'm',
        sentSeq: 'ss',
        queuedSeq: 'qs',
        lastQueuedAt: 'lq',
        scheduledFor: 'sf',
      },
      defaults: {
        attempts: 0,
        sends: 0,
        lastSentAt: null,
        lastError: null,
        messageId: null,
        sentSeq: 0,
        queuedSeq: 0,
        lastQueuedAt: null,
        scheduledFor: null,
      },
      times: ['lastSentAt', 'lastQueuedAt', 'scheduledFor'],
    },
    view: {
      schema: z.object({
        status: z.enum(DELIVERY_STATUSES),
        attempts: z.number(),
        sends: z.number(),
        lastSentAt: nullable,
        lastError: nullable,
        messageId: nullable,
        scheduledFor: nullable,
      }),
      from: (d: {
        status: (typeof DELIVERY_STATUSES)[number];
        attempts: number;
        sends: number;
        lastSentAt: number | null;
        lastError: string | null;
        messageId: string | null;
        scheduledFor?: number | null;
      }) => ({
        status: d.status,
        attempts: d.attempts,
        sends: d.sends,
        lastSentAt: iso(d.lastSentAt),
        lastError: d.lastError ?? null,
        messageId: d.messageId ?? null,
        scheduledFor: iso(d.scheduledFor),
      }),
    },
  }),
  /** Reminder delays in seconds after the first send. */
  reminders: field({
    stored: 'rm',
    type: z.array(z.number()),
    default: [],
    view: { schema: z.array(z.number()), from: (v: number[]) => (Array.isArray(v) ? v : []) },
  }),
  /** Send the first message once approved (DESIGN §17): the create asked for it while it waited. */
  sendOnApproval: field({ stored: 'so', type: z.boolean(), default: false, view: false }),
  /** The recipient's name (greeting, To display name). */
  name: field({ stored: 'n', type: nullable, default: null }),
  openedAt: field({ stored: 'o', type: z.number().nullable(), default: null, time: true }),
  declinedAt: field({ stored: 'dc', type: z.number().nullable(), default: null, time: true }),
  /** The tenant the invite belongs to (DESIGN §15). */
  tenant: field({ stored: 'tn', type: z.string(), default: 'default', indexed: { tenant: 'tenant' } }),
  /** The template version of the last message sent, e.g. `invite/en@3` (DESIGN §16). */
  templateVersion: field({ stored: 'tv', type: nullable, default: null }),
  createdAt: field({ stored: 'c', type: z.number(), time: true }),
  updatedAt: field({ stored: 'up', type: z.number(), time: true }),
  expiresAt: field({ stored: 'x', type: z.number().nullable(), default: null, time: true }),
  acceptedAt: field({ stored: 'ac', type: z.number().nullable(), default: null, time: true }),
  canceledAt: field({ stored: 'cc', type: z.number().nullable(), default: null, time: true }),
};

type Fields = typeof FIELDS;
/** Every field that has a default, typed. */
export type Defaults = {
  [K in keyof Fields as Fields[K] extends { default: unknown } ? K : never]: z.infer<Fields[K]['type']>;
};

const DEFAULTS = Object.entries(FIELDS as Record<string, StoredField>).flatMap(([n, f]) =>
  'default' in f ? [[n, f.default] as const] : [],
);

/** A fresh copy of every declared default: where a new invite starts. */
export const defaults = (): Defaults => {
  // Listed once and copied per invite (a bulk send drafts thousands): building the entries and
  // cloning them whole took 17 µs a draft (BENCHMARKS.md).
  const out: Record<string, unknown> = {};
  for (const [n, v] of DEFAULTS) {
    if (Array.isArray(v)) out[n] = [...v];
    else out[n] = v !== null && typeof v === 'object' ? structuredClone(v) : v;
  }
  return out as Defaults;
};

export { iso };
