import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY, SCRIPTS } from '../../src/invites/store.js';
import { startLocalRedis, type LocalRedis } from '../../src/local-redis.js';
import { api, startHerald, type TestHerald } from '../helpers.js';
import { freePort } from '../processes.js';

// Herald's scripts are one function library (src/invites/lua-source.ts), loaded by the first
// call that finds it missing. A Redis of its own: the test flushes its functions.
let server: LocalRedis;
let h: TestHerald;
let r: Redis;

beforeAll(async () => {
  const port = await freePort();
  server = (await startLocalRedis(port, `/tmp/herald-lua-library-${process.pid}`, ['--appendonly', 'no']))!;
  h = await startHerald({ env: { REDIS_URL: server.url } });
  r = new Redis(server.url);
});
afterAll(async () => {
  await h.close();
  await h.redis.quit();
  r.disconnect();
  server.kill();
});

const loads = async () =>
  Number(/cmdstat_function\|load:calls=(\d+)/.exec(await r.info('commandstats'))?.[1] ?? 0);

describe('the function library', () => {
  it('is loaded once, by the first call, and again after FUNCTION FLUSH', async () => {
    const a = api(h);
    expect(await loads()).toBe(0);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await a.post('/v1/invites', { maxUses: 2 })).json().id);
    expect(ids.every((id) => /^inv_/.test(id))).toBe(true);
    expect(await loads()).toBe(1);
    const [lib] = (await r.call('FUNCTION', 'LIST', 'LIBRARYNAME', LIBRARY.name)) as unknown[][];
    const functions = lib[lib.indexOf('functions') + 1] as unknown[][];
    expect(functions.map((f) => f[1]).sort()).toEqual(SCRIPTS.map((s) => LIBRARY.fn(s)).sort());

    await r.call('FUNCTION', 'FLUSH');
    const accepted = await a.post(`/v1/invites/${ids[0]}/accept`, { userId: 'u1' });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().uses).toBe(1);
    expect((await a.get(`/v1/invites/${ids[1]}`)).json().status).toBe('pending');
    expect(await loads()).toBe(2);
  });
});
