import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRedis, type LocalRedis } from '../../src/local-redis.js';
import { api, startHerald, waitFor, type TestHerald } from '../helpers.js';
import { freePort } from '../processes.js';

// Redis sets LC_COLLATE from its environment, and Lua compares strings with strcoll, while
// sorted sets compare bytes. A Redis started under en_US.UTF-8 (as a systemd unit on a machine
// with that locale is) orders 'B' after 'a' in Lua: the ordered indexes must not care.
const LOCALE = 'en_US.UTF-8';
let server: LocalRedis;
let h: TestHerald;

beforeAll(async () => {
  const have = execFileSync('locale', ['-a']).toString();
  if (!/^en_US\.utf-?8$/im.test(have))
    throw new Error(`This test needs the ${LOCALE} locale (.ci/run installs it: apt-get install locales).`);
  const before = process.env.LC_ALL;
  process.env.LC_ALL = LOCALE; // redis-server inherits it
  try {
    server = (await startLocalRedis(await freePort(), `/tmp/herald-collation-${process.pid}`, [
      '--appendonly',
      'no',
    ]))!;
  } finally {
    if (before === undefined) delete process.env.LC_ALL;
    else process.env.LC_ALL = before;
  }
  h = await startHerald({ env: { REDIS_URL: server.url }, roles: { api: true, worker: true } });
}, 30_000);
afterAll(async () => {
  await h.close();
  await h.redis.quit();
  server.kill();
});

// Values whose strcoll order under en_US differs from their byte order.
const ROLES = ['B', 'a', 'a-c', 'ab', '_x', 'Z1', 'z', 'A_b', 'Ab', 'b'];

describe('a Redis whose locale collates otherwise than bytes', () => {
  it('collates otherwise (the premise)', async () => {
    const { Redis } = await import('ioredis');
    const r = new Redis(server.url);
    expect(await r.eval("return tostring('B' < 'a')", 0)).toBe('false');
    r.disconnect();
  });

  it('finds every invite by role and lists them all, once each, after the indexes split', async () => {
    const a = api(h);
    const made = new Map<string, string[]>();
    // Rounds across the roles, so each role's entries land in buckets made by the others.
    for (let round = 0; round < 2; round++)
      for (const role of ROLES) {
        const r = await a.post('/v1/invites', { count: 60, role });
        expect(r.statusCode).toBe(201);
        made.set(role, [...(made.get(role) ?? []), ...r.json().data.map((i: { id: string }) => i.id)]);
      }
    // A bulk send whose recipients carry their own roles: one script call adds entries of every
    // role to the role index, in the order it sorts them.
    const people = Array.from({ length: 600 }, (_, i) => ({
      email: `p${i}@example.com`,
      role: ROLES[i % ROLES.length],
    }));
    const sent = await a.post('/v1/invites/send', { emails: people });
    expect(sent.statusCode).toBe(202);
    const batch = sent.json().batchId as string;
    await waitFor(async () => (await a.get(`/v1/batches/${batch}`)).json().created === 600, 30_000, 'batch');
    const inBatch: { id: string; role: string }[] = [];
    for (let after = ''; ;) {
      const r = await a.get(`/v1/invites?batchId=${batch}&limit=100${after ? `&after=${after}` : ''}`);
      inBatch.push(...r.json().data);
      if (!r.json().hasMore) break;
      after = r.json().nextCursor;
    }
    expect(inBatch).toHaveLength(600);
    for (const i of inBatch) made.set(i.role, [...made.get(i.role)!, i.id]);
    const page = async (q: string) => {
      const out: string[] = [];
      let after = '';
      for (;;) {
        const r = await a.get(`/v1/invites?${q}&limit=100${after ? `&after=${after}` : ''}`);
        expect(r.statusCode).toBe(200);
        out.push(...r.json().data.map((i: { id: string }) => i.id));
        if (!r.json().hasMore) return out;
        after = r.json().nextCursor;
      }
    };
    for (const role of ROLES)
      expect((await page(`role=${encodeURIComponent(role)}&sort=createdAt`)).sort()).toEqual(
        made.get(role)!.sort(),
      );
    const every = await page('sort=createdAt');
    expect(every).toEqual([...made.values()].flat().sort());
  }, 60_000);
});
