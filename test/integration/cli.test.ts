import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../processes.js';
import { startHerald, startSink, TEST_KEY, type Sink, type TestHerald } from '../helpers.js';

// The CLI runs as its own process (bin/herald.js) against a real Herald listening on loopback.
let sink: Sink;
let h: TestHerald;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));

beforeAll(async () => {
  sink = await startSink();
  h = await startHerald({ sink, roles: { api: true, worker: true } });
  const port = await freePort();
  await h.app!.listen({ port, host: '127.0.0.1' });
  url = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

function herald(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(
      process.execPath,
      ['bin/herald.js', ...args],
      { env: { ...process.env, HERALD_URL: url, HERALD_API_KEY: TEST_KEY, ...env }, timeout: 60_000 },
      (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

describe('the herald CLI', () => {
  it('sends a CSV of 1,000 named rows, shows the progress bar, and ends with the exact tallies', async () => {
    const file = join(dir, 'people.csv');
    writeFileSync(
      file,
      ['email,name', ...Array.from({ length: 1000 }, (_, i) => `p${i}@cli.test,"Person ${i}"`)].join('\n'),
    );
    const r = await herald(['send', file, '--scope', 'organization:acme', '--role', 'member']);
    expect(r.code).toBe(0);
    // the bar goes to stderr (a line every half second off a terminal); the tallies to stdout
    const bars = r.err.split('\n').filter((l) => l.startsWith('sending ['));
    expect(bars.length).toBeGreaterThanOrEqual(1);
    expect(bars.at(-1)).toContain('100% | 1000/1000');
    const lines = r.out.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^batch bat_\w+ done: total 1000, created 1000, duplicates 0, sent 1000, failed 0, suppressed 0$/,
    );
    expect(sink.messages.filter((m) => m.to[0].endsWith('@cli.test'))).toHaveLength(1000);
    const batchId = /batch (bat_\w+)/.exec(lines.at(-1)!)![1];
    const again = await herald(['batch', batchId]);
    expect([again.code, again.out.trim()]).toEqual([0, lines.at(-1)]);
    const stats = await herald(['stats']);
    expect(stats.code).toBe(0);
    expect(stats.out).toMatch(/created \d+/);
  });

  it('exits 1 with one line for a missing file, a bad CSV, a bad key and an unreachable server', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'email\nnot-an-address\n');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['send', join(dir, 'missing.csv'), '--scope', 'a:b'], {}, /cannot read .*missing\.csv: ENOENT/],
      [
        ['send', bad, '--scope', 'a:b'],
        {},
        /400 invalid_rows: .*\(line 2, email: must be a valid e-mail address\)/,
      ],
      [['send', bad], {}, /--scope TYPE:ID is required/],
      [['batch', 'bat_nope'], { HERALD_API_KEY: 'wrong' }, /401 unauthorized/],
      [['stats'], { HERALD_URL: 'http://127.0.0.1:9' }, /cannot reach Herald at http:\/\/127\.0\.0\.1:9/],
      [['frobnicate'], {}, /unknown command "frobnicate"/],
    ];
    for (const [args, env, pattern] of cases) {
      const r = await herald(args, env);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.err.trim().split('\n')[0]).toMatch(pattern);
    }
  });
});
