import type { InviteDoc } from './invite.js';

/*
 * How an invite is stored, declared once for the TypeScript and the Lua (store.ts hands this
 * object to every script as LAYOUT, see lua/lib.lua). A stored invite is its status letter, then
 * JSON with short names, leaving out what is null or at its default: a few hundred bytes where the
 * full names took eight hundred, in the invite and in every event that carries it.
 */
export const LAYOUT = {
  /** Long name → stored name, at the top level. */
  top: {
    id: 'i',
    salt: 'sa',
    digest: 'dg',
    email: 'e',
    emailKey: 'k',
    name: 'n',
    role: 'r',
    scope: 'sc',
    inviter: 'v',
    maxUses: 'mu',
    uses: 'u',
    temporary: 'tp',
    metadata: 'md',
    locale: 'l',
    redirectUrl: 'ru',
    batchId: 'bt',
    acceptedBy: 'ab',
    delivery: 'd',
    reminders: 'rm',
    openedAt: 'o',
    declinedAt: 'dc',
    createdAt: 'c',
    updatedAt: 'up',
    expiresAt: 'x',
    acceptedAt: 'ac',
    canceledAt: 'cc',
    tenant: 'tn',
    templateVersion: 'tv',
  },
  /** Values left out when stored; an empty list stands for []. */
  defaults: {
    email: null,
    name: null,
    role: null,
    scope: null,
    maxUses: 1,
    uses: 0,
    temporary: false,
    metadata: '{}',
    locale: 'en',
    redirectUrl: null,
    batchId: null,
    acceptedBy: [],
    reminders: [],
    openedAt: null,
    declinedAt: null,
    expiresAt: null,
    acceptedAt: null,
    canceledAt: null,
    tenant: 'default',
    templateVersion: null,
  },
  /** Objects inside the invite: their names and defaults. */
  nested: {
    scope: { names: { type: 't', id: 'i' }, defaults: {} },
    inviter: { names: { id: 'i', name: 'n' }, defaults: { id: null, name: null } },
    delivery: {
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
    },
  },
  /** Times (ms), at any level, stored in base 36: 8 characters where decimal took 13. */
  times: [
    'createdAt',
    'updatedAt',
    'expiresAt',
    'acceptedAt',
    'canceledAt',
    'openedAt',
    'declinedAt',
    'lastSentAt',
    'lastQueuedAt',
    'scheduledFor',
    'at',
  ],
  /** Lists of objects: the names inside each item (nulls left out). */
  items: { acceptedBy: { userId: 'u', email: 'e', at: 'a' } },
  /**
   * The list filters with an index of their own (P:o:KIND, entries value + id → the invite's
   * field; a list on the way means each of its items). The status has none: a list reads it from the invite's
   * first letter while it walks a sort index, which costs nothing for the common pending filter.
   */
  indexed: {
    email: 'emailKey',
    role: 'role',
    inviter: 'inviter.id',
    user: 'acceptedBy.userId',
    batch: 'batchId',
    stype: 'scope.type',
    sid: 'scope.id',
  },
} as const;

type Obj = Record<string, unknown>;
const invert = (names: Record<string, string>) =>
  Object.fromEntries(Object.entries(names).map(([l, s]) => [s, l]));
const LONG = invert(LAYOUT.top);
const NESTED_LONG = Object.fromEntries(
  Object.entries(LAYOUT.nested).map(([k, v]) => [k, invert(v.names as Record<string, string>)]),
);
const ITEM_LONG = invert(LAYOUT.items.acceptedBy);

const TIMES = new Set<string>(LAYOUT.times);

function expand(stored: Obj, long: Record<string, string>, defaults: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(stored)) {
    const name = long[k] ?? k;
    out[name] = TIMES.has(name) && typeof v === 'string' ? parseInt(v, 36) : v;
  }
  for (const [k, d] of Object.entries(defaults)) if (out[k] === undefined) out[k] = Array.isArray(d) ? [] : d;
  return out;
}

/**
 * A stored invite: one status letter, then its JSON with short names, then, after a newline, its
 * audit trail. `id` is the invite's id, which its key holds and the JSON leaves out.
 */
export function parseDoc(raw: string, id?: string): InviteDoc {
  const status = STATUS[raw[0]];
  const nl = raw.indexOf('\n');
  const stored = JSON.parse(nl < 0 ? raw.slice(1) : raw.slice(1, nl)) as Obj;
  const doc = expand(stored, LONG, LAYOUT.defaults);
  for (const [k, n] of Object.entries(LAYOUT.nested)) {
    if (doc[k] && typeof doc[k] === 'object') doc[k] = expand(doc[k] as Obj, NESTED_LONG[k], n.defaults);
  }
  if (Array.isArray(doc.acceptedBy)) {
    doc.acceptedBy = doc.acceptedBy.map((a: Obj) => expand(a, ITEM_LONG, { userId: null, email: null }));
  }
  if (doc.emailKey === undefined) doc.emailKey = doc.email;
  doc.id = id;
  return { ...(doc as unknown as InviteDoc), status };
}

const STATUS: Record<string, InviteDoc['status']> = {
  P: 'pending',
  A: 'accepted',
  C: 'canceled',
  E: 'expired',
  D: 'declined',
};
