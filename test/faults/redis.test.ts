import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TEST_KEY, startSink, waitFor, type Sink } from '../helpers.js';
import { freePort, privateRedis, spawnHerald, type HeraldProcess } from '../processes.js';

let redis: Awaited<ReturnType<typeof privateRedis>>;
let sink: Sink;
let herald: HeraldProcess;
let base: string;
let accepting = false;

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });

beforeAll(async () => {
  redis = await privateRedis(await freePort());
  sink = await startSink(() => (accepting ? null : { code: 421, message: 'not now' }));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  herald = spawnHerald('all', {
    REDIS_URL: redis.url,
    SMTP_URL: sink.url,
    PORT: String(port),
    SEND_BACKOFF: '200',
    SEND_ATTEMPTS: '30',
    // A send stored while the queue refused its job is queued again by the repair sweep.
    DELIVERY_REPAIR_AFTER: '1',
    EXPIRY_SWEEP_EVERY: '1000',
  });
  await herald.waitFor(/Herald API on/);
});
afterAll(async () => {
  if (herald.child.exitCode === null) herald.child.kill('SIGKILL');
  await redis.stop().catch(() => redis.kill());
  await sink.close();
});

describe('Redis stopped and restarted', () => {
  it('answers 503 fast while Redis is away, then carries on and delivers what was queued', async () => {
    // A CI log then shows what Herald said, not only which wait ran out.
    onTestFailed(() => console.log(`Herald's output:\n${herald.output().slice(-8000)}`));
    const r = await call('POST', '/v1/invites/send', {
      emails: Array.from({ length: 30 }, (_, i) => `q${i}@redis.test`),
    });
    expect(r.status).toBe(202);
    const { batchId } = await r.json();
    await waitFor(
      async () => (await (await call('GET', `/v1/batches/${batchId}`)).json()).created === 30,
      15_000,
      'invites created',
    );

    await redis.stop();
    const t0 = Date.now();
    const write = await call('POST', '/v1/invites', { email: 'during@redis.test' });
    const took = Date.now() - t0;
    expect(write.status).toBe(503);
    expect((await write.json()).error.code).toBe('unavailable');
    expect(took).toBeLessThan(2000);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect(herald.child.exitCode).toBeNull();

    await redis.start();
    accepting = true;
    const batch = await waitFor(
      async () => {
        const res = await call('GET', `/v1/batches/${batchId}`).catch(() => null);
        const b = res && res.status === 200 ? await res.json() : null;
        return b?.status === 'done' ? b : null;
      },
      60_000,
      'batch done after restart',
    );
    expect(batch).toMatchObject({ created: 30, sent: 30, failed: 0 });
    expect(
      new Set(sink.messages.filter((m) => m.to[0].endsWith('@redis.test')).map((m) => m.to[0])).size,
    ).toBe(30);
    expect((await call('POST', '/v1/invites', { email: 'after@redis.test', send: false })).status).toBe(201);
    await waitFor(async () => (await call('GET', '/readyz')).status === 200, 20_000, 'ready again');
    expect(herald.child.exitCode).toBeNull();
  }, 120_000);

  it('a Redis out of memory (noeviction) answers 503 unavailable, never 500; what was answered 201 is delivered once it has room', async () => {
    onTestFailed(() => console.log(`Herald's output:\n${herald.output().slice(-8000)}`));
    const { execFileSync } = await import('node:child_process');
    const port = new URL(redis.url).port;
    const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', port, ...args], { encoding: 'utf8' });
    accepting = true;
    const used = Number(/used_memory:(\d+)/.exec(cli('info', 'memory'))![1]);
    cli('config', 'set', 'maxmemory', String(used + 2 * 1024 * 1024));
    const created: string[] = [];
    const statuses = new Map<number, number>();
    let refused = '';
    try {
      for (let i = 0; i < 3000 && !statuses.has(503); i++) {
        const r = await call('POST', '/v1/invites', {
          email: `oom${i}@redis.test`,
          metadata: { pad: 'x'.repeat(4000) },
        });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        const body = await r.json();
        if (r.status === 201) created.push(body.id);
        else {
          refused = `oom${i}@redis.test`;
          expect([r.status, body.error.code]).toEqual([503, 'unavailable']);
          expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        }
      }
      expect(statuses.get(503)).toBe(1);
      expect(statuses.has(500)).toBe(false);
      // A bulk send refused leaves no batch behind. Redis may have freed a little meanwhile, so
      // one may still be taken (its batch then counts); send until one is refused.
      let bulkRefused = false;
      for (let n = 0; n < 20 && !bulkRefused; n++) {
        const batches = Number(cli('zcard', '{herald}:z:batches'));
        const bulk = await call('POST', '/v1/invites/send', {
          emails: Array.from({ length: 200 }, (_, i) => `oombulk${n}.${i}@redis.test`),
          metadata: { pad: 'x'.repeat(4000) },
        });
        const answer = await bulk.json();
        if (bulk.status === 202) {
          expect(Number(cli('zcard', '{herald}:z:batches'))).toBe(batches + 1);
          continue;
        }
        expect([bulk.status, answer.error.code]).toEqual([503, 'unavailable']);
        expect(Number(cli('zcard', '{herald}:z:batches'))).toBe(batches);
        bulkRefused = true;
      }
      expect(bulkRefused).toBe(true);
      expect(herald.child.exitCode).toBeNull();
    } finally {
      cli('config', 'set', 'maxmemory', '0');
    }
    // Every invite answered 201 goes out once Redis has room again.
    await waitFor(
      async () => {
        for (const id of created.slice(-20)) {
          const inv = await (await call('GET', `/v1/invites/${id}`)).json();
          if (inv.delivery.status !== 'sent') return false;
        }
        return true;
      },
      60_000,
      'the last invites created before the store filled are sent',
    );
    // Nothing half-written: the refused address has no invite, and creating it now works.
    expect((await (await call('GET', `/v1/invites?email=${refused}`)).json()).data).toEqual([]);
    expect((await call('POST', '/v1/invites', { email: refused, send: false })).status).toBe(201);
    const sentTo = new Set(sink.messages.map((m) => m.to[0]));
    expect(created.length).toBeGreaterThan(0);
    for (let i = 0; i < created.length; i++) expect(sentTo.has(`oom${i}@redis.test`)).toBe(true);
  }, 120_000);

  it('workers refuse to start when Redis may evict keys, naming the setting', async () => {
    const { spawnSync } = await import('node:child_process');
    const port = new URL(redis.url).port;
    spawnSync('redis-cli', ['-p', port, 'config', 'set', 'maxmemory-policy', 'allkeys-lru']);
    try {
      const w = spawnHerald('worker', { REDIS_URL: redis.url, SMTP_URL: sink.url });
      expect(await w.exited).toBe(1);
      expect(w.output()).toContain('maxmemory-policy');
      expect(w.output()).toContain('noeviction');
    } finally {
      spawnSync('redis-cli', ['-p', port, 'config', 'set', 'maxmemory-policy', 'noeviction']);
    }
  }, 30_000);
});
