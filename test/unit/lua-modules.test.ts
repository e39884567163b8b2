import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scriptLines, scriptSource } from '../../src/invites/lua-source.js';

const scripts = readdirSync('src/invites/lua')
  .filter((f) => f.endsWith('.lua'))
  .map((f) => f.slice(0, -4));
const modules = readdirSync('src/invites/lua/lib').map((f) => f.slice(0, -4));
const header = (m: string) => readFileSync(`src/invites/lua/lib/${m}.lua`, 'utf8').split('\n')[0];

describe('Lua modules', () => {
  it('assemble each script with every module it includes once, and every module serves some script', () => {
    const used = new Set<string>();
    for (const s of scripts) {
      const src = scriptSource(s);
      for (const m of modules) {
        const body = readFileSync(`src/invites/lua/lib/${m}.lua`, 'utf8');
        const times = src.split(body).length - 1;
        expect([s, m, times <= 1]).toEqual([s, m, true]);
        if (times === 1) used.add(m);
      }
      // Every script says what calls it and which keys it may touch.
      expect(readFileSync(`src/invites/lua/${s}.lua`, 'utf8')).toMatch(
        /^--- @include .+\n-- KEYS\[1\].+\n-- Called by .+Keys it may touch/,
      );
    }
    expect([...used].sort()).toEqual([...modules].sort());
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
