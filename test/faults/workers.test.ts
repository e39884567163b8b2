import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  startHerald,
  startSink,
  waitFor,
  waitForBatch,
  type Sink,
  type TestHerald,
} from '../helpers.js';
import { freePort, privateRedis, spawnHerald, type HeraldProcess } from '../processes.js';

// Worker processes use the default key prefix, so this file gets a redis-server of its own.
const CONCURRENCY = 20;

let redis: Awaited<ReturnType<typeof privateRedis>>;
let sink: Sink;
let h: TestHerald;
const procs: HeraldProcess[] = [];
const dbUrl = () => redis.url;

beforeAll(async () => {
  redis = await privateRedis(await freePort());
  sink = await startSink(() => null, { delayMs: 3 });
  h = await startHerald({ prefix: 'herald', env: { REDIS_URL: dbUrl() } });
});
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});
afterAll(async () => {
  await h.close();
  await h.redis.quit();
  await redis.stop().catch(() => redis.kill());
  await sink.close();
});

const worker = () => {
  const p = spawnHerald('worker', {
    REDIS_URL: dbUrl(),
    SMTP_URL: sink.url,
    WORKER_CONCURRENCY: String(CONCURRENCY),
    SMTP_POOL: '5',
    SEND_BACKOFF: '100',
  });
  procs.push(p);
  return p;
};

async function bulk(n: number, domain: string) {
  const emails = Array.from({ length: n }, (_, i) => `p${i}@${domain}`);
  const r = await api(h).post('/v1/invites/send', { emails });
  expect(r.statusCode).toBe(202);
  return r.json().batchId as string;
}

const batchDone = (batchId: string) => waitForBatch(api(h), batchId, 90_000);

function tally(domain: string) {
  const got = sink.messages.filter((m) => m.to[0].endsWith(`@${domain}`)).map((m) => m.to[0]);
  return { messages: got.length, distinct: new Set(got).size };
}

describe('worker processes that die', () => {
  it('kill -9 mid-send of 2,000: a new worker delivers every address; duplicates stay within what was in flight', async () => {
    const w1 = worker();
    await w1.waitFor(/workers running/);
    const batchId = await bulk(2000, 'kill.test');
    await waitFor(() => tally('kill.test').messages >= 400, 60_000, '400 messages');
    w1.child.kill('SIGKILL');
    const atKill = tally('kill.test').messages;
    expect(await w1.exited).toBe(null);
    const w2 = worker();
    const batch = await batchDone(batchId);
    const t = tally('kill.test');
    const duplicates = t.messages - t.distinct;
    console.log(
      `[kill -9] received at kill ${atKill}; after takeover ${t.messages} messages to ${t.distinct} addresses; lost ${2000 - t.distinct}; duplicates ${duplicates} (in flight at most ${CONCURRENCY})`,
    );
    expect(t.distinct).toBe(2000);
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
    expect(batch).toMatchObject({ total: 2000, created: 2000, sent: 2000, failed: 0 });
    w2.child.kill('SIGTERM');
    expect(await w2.exited).toBe(0);
  }, 150_000);

  it('SIGTERM mid-send: exits 0 within 30 s; after a restart nothing is lost or sent twice', async () => {
    const w1 = worker();
    await w1.waitFor(/workers running/);
    const batchId = await bulk(1000, 'term.test');
    await waitFor(() => tally('term.test').messages >= 200, 60_000, '200 messages');
    const t0 = Date.now();
    w1.child.kill('SIGTERM');
    expect(await w1.exited).toBe(0);
    const took = Date.now() - t0;
    expect(took).toBeLessThan(30_000);
    const atStop = tally('term.test').messages;
    worker();
    await batchDone(batchId);
    const t = tally('term.test');
    console.log(
      `[SIGTERM] exited 0 after ${took} ms with ${atStop} sent; after restart ${t.messages} messages to ${t.distinct} addresses`,
    );
    expect(t).toEqual({ messages: 1000, distinct: 1000 });
  }, 150_000);
});
