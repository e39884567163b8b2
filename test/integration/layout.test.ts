import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_LAYOUT } from '../../src/keys.js';
import { freePort, privateRedis, spawnHerald } from '../processes.js';

// Every key release 0.1.0 left after a sent, an accepted and a canceled invite (DUMP payloads;
// test/fixtures/make-layout-0.1.0.ts wrote it from a worktree of that release).
const fixture = JSON.parse(readFileSync('test/fixtures/layout-0.1.0.json', 'utf8')) as {
  key: string;
  ttl: number;
  dump: string;
}[];

let redis: Awaited<ReturnType<typeof privateRedis>>;
let r: Redis;
beforeAll(async () => {
  redis = await privateRedis(await freePort());
  r = new Redis(redis.url);
});
afterAll(async () => {
  r.disconnect();
  await redis.stop().catch(() => redis.kill());
});

/** Every key and its value, as DUMP gives them. */
async function snapshot() {
  const out: Record<string, string> = {};
  for (const key of (await r.keys('*')).sort()) out[key] = (await r.dumpBuffer(key))!.toString('base64');
  return out;
}

describe('one data layout (DESIGN §18)', () => {
  it('refuses data written by release 0.1.0 with one line naming both layouts, and writes nothing', async () => {
    await r.flushall();
    // Without their expiry: a key of BullMQ's that expires mid-test would look like a change.
    for (const { key, dump } of fixture) await r.restore(key, 0, Buffer.from(dump, 'base64'));
    const before = await snapshot();
    expect(Object.keys(before).length).toBe(fixture.length);
    for (const role of ['all', 'worker'] as const) {
      const h = spawnHerald(role, { REDIS_URL: redis.url, PORT: String(await freePort()) });
      expect(await h.exited).not.toBe(0);
      const lines = h.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('layout 0.1.0');
      expect(lines[0]).toContain(`layout ${STORE_LAYOUT} only`);
      expect(await snapshot()).toEqual(before);
    }
  }, 60_000);

  it('records its layout on an empty Redis and starts again over it', async () => {
    await r.flushall();
    for (let run = 0; run < 2; run++) {
      const h = spawnHerald('api', { REDIS_URL: redis.url, PORT: String(await freePort()) });
      await h.waitFor(/Herald API on/);
      expect(await r.get('{herald}:layout')).toBe(STORE_LAYOUT);
      h.child.kill('SIGTERM');
      expect(await h.exited).toBe(0);
    }
    await r.set('{herald}:layout', '2');
    const other = spawnHerald('api', { REDIS_URL: redis.url, PORT: String(await freePort()) });
    expect(await other.exited).not.toBe(0);
    expect(other.output()).toContain(`layout 2, and this Herald reads layout ${STORE_LAYOUT} only`);
  }, 60_000);
});
