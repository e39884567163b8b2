import { readFileSync } from 'node:fs';
import { LAYOUT } from './layout.js';

const read = (path: string) => readFileSync(new URL(`./lua/${path}.lua`, import.meta.url), 'utf8');
/** The modules a Lua file names on its first line: `--- @include a b` (lua/lib/a.lua, …). */
const includes = (src: string) => /^--- @include (.+)$/m.exec(src)?.[1].trim().split(/\s+/) ?? [];

/**
 * One script's source as Redis runs it: LAYOUT (how invites are stored, layout.ts), then each
 * module it includes, once and after the modules that one includes (as BullMQ assembles its
 * scripts), then the script itself.
 */
export function scriptSource(name: string): string {
  const order: string[] = [];
  const visit = (m: string, path: string[]) => {
    if (order.includes(m)) return;
    if (path.includes(m)) throw new Error(`Lua modules include each other: ${[...path, m].join(' -> ')}`);
    for (const dep of includes(read(`lib/${m}`))) visit(dep, [...path, m]);
    order.push(m);
  };
  const src = read(name);
  for (const m of includes(src)) visit(m, [name]);
  return [
    `local LAYOUT = cjson.decode([==[${JSON.stringify(LAYOUT)}]==])`,
    ...order.map((m) => read(`lib/${m}`)),
    src,
  ].join('\n');
}

/** How many lines of Lua a reader holds to understand one script: it and what it includes. */
export const scriptLines = (name: string) => scriptSource(name).split('\n').length - 1;
