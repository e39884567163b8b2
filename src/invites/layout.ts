import type { InviteDoc } from './invite.js';
import { FIELDS, STATUS_LETTERS, type StoredField } from './schema.js';
import { PARTITION_KEYS } from '../keys.js';

const fields = Object.entries(FIELDS as Record<string, StoredField>);
const only = <T>(pick: (f: StoredField) => T | undefined) =>
  Object.fromEntries(fields.flatMap(([name, f]) => (pick(f) === undefined ? [] : [[name, pick(f) as T]])));

/*
 * How an invite is stored, derived from schema.ts for the TypeScript and the Lua (store.ts hands
 * this object to every script as LAYOUT, see lua/lib/codec.lua). A stored invite is its status letter,
 * then JSON with short names, leaving out what is null or at its default: a few hundred bytes
 * where the full names took eight hundred, in the invite and in every event that carries it.
 */
export const LAYOUT = {
  /** Long name → stored name, at the top level (`id`: the key holds it, never stored). */
  top: { id: 'i', ...only((f) => f.stored) } as Record<string, string>,
  /** Values left out when stored; an empty list stands for []. */
  defaults: only((f) => ('default' in f ? f.default : undefined)),
  /** Objects inside the invite: their names and defaults. */
  nested: only((f) => f.nested && { names: f.nested.names, defaults: f.nested.defaults }),
  /** Times (ms), at any level, stored in base 36: 8 characters where decimal took 13. */
  times: fields.flatMap(([name, f]) => [
    ...(f.time ? [name] : []),
    ...(f.nested?.times ?? []),
    ...(f.items?.times ?? []),
  ]),
  /** Lists of objects: the names inside each item (nulls left out). */
  items: only((f) => f.items?.names),
  /**
   * The list filters with an index of their own (P:o:KIND, entries value + id → the invite's
   * field; a list on the way means each of its items). The status has none: a list reads it from
   * the invite's first letter while it walks a sort index, which costs nothing for `pending`.
   */
  indexed: Object.assign({}, ...fields.map(([, f]) => f.indexed ?? {})) as Record<string, string>,
  /** Each status's letter. */
  letters: STATUS_LETTERS as Record<string, string>,
  /** The names of a partition's keys after its prefix (src/keys.ts), for lua/lib/base.lua's k(). */
  keys: PARTITION_KEYS,
};

type Obj = Record<string, unknown>;
const invert = (names: Record<string, string>) =>
  Object.fromEntries(Object.entries(names).map(([l, s]) => [s, l]));
const LONG = invert(LAYOUT.top);
const NESTED_LONG = Object.fromEntries(
  Object.entries(LAYOUT.nested).map(([k, v]) => [k, invert(v.names as Record<string, string>)]),
);
const ITEM_LONG = invert(LAYOUT.items.acceptedBy);
const STATUS = invert(LAYOUT.letters) as Record<string, InviteDoc['status']>;

const TIMES = new Set<string>(LAYOUT.times);

// Every invite read goes through here (the public look-up, lists, sends): plain loops over
// entries listed once, no per-call Object.entries or spread.
type Defaults = [string, unknown][];
const TOP_DEFAULTS: Defaults = Object.entries(LAYOUT.defaults);
const NESTED = Object.entries(LAYOUT.nested).map(
  ([k, n]) => [k, NESTED_LONG[k], Object.entries(n.defaults)] as [string, Record<string, string>, Defaults],
);
const ITEM_DEFAULTS: Defaults = [
  ['userId', null],
  ['email', null],
];

function expand(stored: Obj, long: Record<string, string>, defaults: Defaults): Obj {
  const out: Obj = {};
  for (const k in stored) {
    const v = stored[k];
    const name = long[k] ?? k;
    out[name] = typeof v === 'string' && TIMES.has(name) ? parseInt(v, 36) : v;
  }
  for (const [k, d] of defaults) if (out[k] === undefined) out[k] = Array.isArray(d) ? [] : d;
  return out;
}

/**
 * A stored invite: one status letter, then its JSON with short names, then, after a newline, its
 * audit trail. `id` is the invite's id, which its key holds and the JSON leaves out.
 */
export function parseDoc(raw: string, id?: string): InviteDoc {
  const nl = raw.indexOf('\n');
  const stored = JSON.parse(nl < 0 ? raw.slice(1) : raw.slice(1, nl)) as Obj;
  const doc = expand(stored, LONG, TOP_DEFAULTS);
  for (const [k, long, defaults] of NESTED) {
    if (doc[k] && typeof doc[k] === 'object') doc[k] = expand(doc[k] as Obj, long, defaults);
  }
  if (Array.isArray(doc.acceptedBy)) {
    doc.acceptedBy = doc.acceptedBy.map((a: Obj) => expand(a, ITEM_LONG, ITEM_DEFAULTS));
  }
  if (doc.emailKey === undefined) doc.emailKey = doc.email;
  doc.id = id;
  doc.status = STATUS[raw[0]];
  return doc as unknown as InviteDoc;
}
