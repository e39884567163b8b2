import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { library, scriptLines } from '../../src/invites/lua-source.js';

const scripts = readdirSync('src/invites/lua')
  .filter((f) => f.endsWith('.lua'))
  .map((f) => f.slice(0, -4));
const modules = readdirSync('src/invites/lua/lib').map((f) => f.slice(0, -4));
const header = (m: string) => readFileSync(`src/invites/lua/lib/${m}.lua`, 'utf8').split('\n')[0];

describe('Lua modules', () => {
  it('assemble into one library holding every module once and a function per script', () => {
    const lib = library(scripts);
    for (const m of modules) {
      const body = readFileSync(`src/invites/lua/lib/${m}.lua`, 'utf8');
      expect([m, lib.source.split(body).length - 1]).toEqual([m, 1]);
    }
    for (const s of scripts) {
      expect(lib.source).toContain(`redis.register_function('${lib.fn(s)}'`);
      expect(lib.source).toContain(`[${JSON.stringify(s)}] = function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n`);
      // Every script says what calls it and which keys it may touch.
      expect(readFileSync(`src/invites/lua/${s}.lua`, 'utf8')).toMatch(
        /^--- @include .+\n-- KEYS\[1\].+\n-- Called by .+Keys it may touch/,
      );
    }
  });

  it('keeps a simple state change well under everything there is', () => {
    const all = modules.reduce(
      (n, m) => n + readFileSync(`src/invites/lua/lib/${m}.lua`, 'utf8').split('\n').length,
      0,
    );
    expect(scriptLines('suppression')).toBeLessThan(all / 2);
    expect(scriptLines('cancel')).toBeLessThan(all);
    expect(header('base')).not.toMatch(/@include/);
  });
});
