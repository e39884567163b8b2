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
const STATUS = Object.fromEntries(
  Object.entries(LAYOUT.letters).map(([status, letter]) => [letter, status]),
) as Record<string, InviteDoc['status']>;
const TIMES = new Set<string>(LAYOUT.times);

/** How to read one stored field back: its names, its default when left out, and what it holds. */
interface Slot {
  name: string;
  short: string;
  /** Left out when stored at this value (an empty list stands for a fresh []); absent: none. */
  fill?: { value: unknown };
  time: boolean;
  /** An object's own slots, or each list item's. */
  inner?: Slot[];
  list?: boolean;
}

const slots = (names: Record<string, string>, defaults: Record<string, unknown>): Slot[] =>
  Object.entries(names).map(([name, short]) => ({
    name,
    short,
    fill: name in defaults ? { value: defaults[name] } : undefined,
    time: TIMES.has(name),
  }));

const TOP: Slot[] = slots(LAYOUT.top, LAYOUT.defaults).map((slot) => {
  const nested = (LAYOUT.nested as Record<string, { names: Record<string, string>; defaults: Obj }>)[
    slot.name
  ];
  const items = (LAYOUT.items as Record<string, Record<string, string>>)[slot.name];
  if (nested) return { ...slot, inner: slots(nested.names, nested.defaults) };
  if (items) return { ...slot, list: true, inner: slots(items, { userId: null, email: null }) };
  return slot;
});

/**
 * A reader of one level, compiled once from the schema. Every invite read goes through it (the
 * public look-up, lists, sends): one object literal naming every field gives each document the
 * same shape and makes each stored name a constant property read, where a loop reading names
 * from variables took three quarters of a read (BENCHMARKS.md). Only schema.ts's names go into
 * the compiled text, never stored values.
 */
function compile(plan: Slot[]): (stored: Obj) => Obj {
  const helpers: unknown[] = [];
  const use = (x: unknown) => `h[${helpers.push(x) - 1}]`;
  const present = (s: Slot, v: string) => {
    if (s.time) return `typeof ${v} === 'string' ? parseInt(${v}, 36) : ${v}`;
    // Lua's cjson writes an empty list back as {}, which stays as it came.
    if (s.list) return `Array.isArray(${v}) ? ${v}.map(${use(compile(s.inner!))}) : ${v}`;
    if (s.inner) return `${v} !== null && typeof ${v} === 'object' ? ${use(compile(s.inner))}(${v}) : ${v}`;
    return v;
  };
  const absent = (s: Slot) => {
    if (!s.fill) return 'undefined';
    return Array.isArray(s.fill.value) ? '[]' : use(s.fill.value);
  };
  const field = (s: Slot) => {
    const v = `s[${JSON.stringify(s.short)}]`;
    return `${JSON.stringify(s.name)}: ${v} === undefined ? ${absent(s)} : ${present(s, v)}`;
  };
  return new Function('h', `return (s) => ({ ${plan.map(field).join(', ')} });`)(helpers) as (
    stored: Obj,
  ) => Obj;
}
const readTop = compile(TOP);

/**
 * A stored invite: one status letter, then its JSON with short names, then, after a newline, its
 * audit trail. `id` is the invite's id, which its key holds and the JSON leaves out.
 */
export function parseDoc(raw: string, id?: string): InviteDoc {
  const nl = raw.indexOf('\n');
  const doc = readTop(JSON.parse(nl < 0 ? raw.slice(1) : raw.slice(1, nl)) as Obj);
  if (doc.emailKey === undefined) doc.emailKey = doc.email;
  doc.id = id;
  doc.status = STATUS[raw[0]];
  return doc as unknown as InviteDoc;
}
