import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LAYOUT } from './layout.js';

const read = (path: string) => readFileSync(new URL(`./lua/${path}.lua`, import.meta.url), 'utf8');
/** The modules a Lua file names on its first line: `--- @include a b` (lua/lib/a.lua, …). */
const includes = (src: string) => /^--- @include (.+)$/m.exec(src)?.[1].trim().split(/\s+/) ?? [];

/** The modules `names` include, each after the modules it includes, each once. */
function moduleOrder(names: readonly string[]): string[] {
  const order: string[] = [];
  const visit = (m: string, path: string[]) => {
    if (order.includes(m)) return;
    if (path.includes(m)) throw new Error(`Lua modules include each other: ${[...path, m].join(' -> ')}`);
    for (const dep of includes(read(`lib/${m}`))) visit(dep, [...path, m]);
    order.push(m);
  };
  for (const n of names) for (const m of includes(read(n))) visit(m, [n]);
  return order;
}

/** What a library of these scripts is called, and what each script's function is called in it. */
export interface Library {
  name: string;
  source: string;
  fn: (script: string) => string;
}

/**
 * Herald's scripts as one Redis function library (FUNCTION LOAD, Redis 7). Redis runs a library's
 * top level once, when it loads; a script sent with EVALSHA ran LAYOUT and its modules'
 * definitions again on every call (33–48 µs of a delivery's ~150 µs, measured on 2026-12-06).
 * While a library loads only `redis.register_function` exists (no cjson, string or pairs), so
 * LAYOUT (how invites are stored, layout.ts), every module once, after the modules it includes
 * (as BullMQ assembles its scripts), and each script as a function that starts with base.lua's
 * begin() (and is followed by its finish()) are built by the first call and kept. The name carries a digest of the source, so two
 * versions of Herald on one Redis each call their own.
 */
export function library(scripts: readonly string[]): Library {
  const body = (s: string) => read(s).replace(/^--- @include .+\n/, '');
  const parts = [
    `local LAYOUT = ${luaLiteral(LAYOUT)}`,
    ...moduleOrder(scripts).map((m) => read(`lib/${m}`)),
  ];
  const table = scripts.map(
    (s) => `[${JSON.stringify(s)}] = function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n${body(s)}\nend,`,
  );
  const digest = createHash('sha1')
    .update([...parts, ...table].join('\n'))
    .digest('hex')
    .slice(0, 12);
  const name = `herald_${digest}`;
  const fn = (s: string) => `${name}_${s}`;
  const registered = scripts.map(
    (s) =>
      `redis.register_function('${fn(s)}', function(keys, args)\n  BUILT = BUILT or build()\n  local reply = BUILT[${JSON.stringify(s)}](keys, args)\n  BUILT.finish()\n  return reply\nend)`,
  );
  const source = [
    `#!lua name=${name}`,
    'local BUILT',
    'local function build()',
    ...parts,
    'return {',
    'finish = finish,',
    ...table,
    '}',
    'end',
    ...registered,
  ].join('\n');
  return { name, fn, source };
}

/**
 * A JSON value as a Lua table constructor, as cjson.decode would build it (null → cjson.null).
 * The library builds LAYOUT once, when Redis loads it, with no JSON to decode.
 */
export function luaLiteral(v: unknown): string {
  if (v === null) return 'cjson.null';
  if (typeof v === 'string') {
    // JSON's escapes for printable ASCII (\" and \\) mean the same in Lua; \u does not exist there.
    if (!/^[\x20-\x7e]*$/.test(v)) throw new Error(`LAYOUT holds a string Lua cannot take as is: ${v}`);
    return JSON.stringify(v);
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{${v.map(luaLiteral).join(', ')}}`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `[${JSON.stringify(k)}] = ${luaLiteral(x)}`)
    .join(', ')}}`;
}

/** How many lines of Lua a reader holds to understand one script: it and what it includes. */
export const scriptLines = (name: string) =>
  [name, ...moduleOrder([name]).map((m) => `lib/${m}`)].reduce((n, f) => n + read(f).split('\n').length, 0);
