import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/http/operations.js';
import { PLACEHOLDERS } from '../../src/mail/placeholders.js';

const pages = [
  'README.md',
  'ARCHITECTURE.md',
  'BENCHMARKS.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const text = (p: string) => readFileSync(p, 'utf8');

describe('the docs', () => {
  it('keep the front door short: README ≤ 12 KB, BENCHMARKS ≤ 15 KB', () => {
    expect(statSync('README.md').size).toBeLessThanOrEqual(12 * 1024);
    expect(statSync('BENCHMARKS.md').size).toBeLessThanOrEqual(15 * 1024);
  });

  it('link only to files that exist', () => {
    const broken: string[] = [];
    for (const page of pages)
      for (const [, target] of text(page).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(dirname(page), target))) broken.push(`${page} → ${target}`);
      }
    expect(broken).toEqual([]);
  });

  it('document every setting in docs/operations.md and every route in docs/api.md or the page it names', () => {
    const config = text('src/config.ts');
    const ops = text('docs/operations.md');
    const settings = [...config.matchAll(/^ {2}([A-Z][A-Z0-9_]+): (?:z\.|int\(|csv|url\()/gm)].map(
      (m) => m[1],
    );
    expect(settings.length).toBeGreaterThan(30);
    expect(settings.filter((s) => !ops.includes(`\`${s}\``))).toEqual([]);
    const docs = pages.map(text).join('\n');
    const missing = Object.keys(OPERATIONS)
      .map((op) => op.split(' ')[1].replace(/\{(\w+)\}/g, ':$1'))
      .filter((path) => !docs.includes(path.replace(/:\w+$/, '')));
    expect(missing).toEqual([]);
  });

  it('list every template placeholder in docs/templates.md', () => {
    const page = text('docs/templates.md');
    expect(Object.keys(PLACEHOLDERS).filter((p) => !page.includes(`| \`${p}\``))).toEqual([]);
  });
});
