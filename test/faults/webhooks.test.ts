import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHerald, waitFor, type TestHerald } from '../helpers.js';
import { freePort, privateRedis, spawnHerald, type HeraldProcess } from '../processes.js';
import { startReceiver, type Receiver } from '../receiver.js';

// A worker process is killed with SIGKILL while it delivers webhooks; a new one must deliver
// every event at least once. Worker processes use the default prefix: a redis-server of our own.
let redis: Awaited<ReturnType<typeof privateRedis>>;
let h: TestHerald;
let receiver: Receiver;
const procs: HeraldProcess[] = [];

beforeAll(async () => {
  redis = await privateRedis(await freePort());
  receiver = await startReceiver(() => ({ status: 200, delayMs: 5 }));
  h = await startHerald({ prefix: 'herald', env: { REDIS_URL: redis.url, WEBHOOK_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await h.close();
  await h.redis.quit();
  await redis.stop().catch(() => redis.kill());
  await receiver.close();
});

const worker = () => {
  const p = spawnHerald('worker', {
    REDIS_URL: redis.url,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_BACKOFF: '100',
  });
  procs.push(p);
  return p;
};

describe('a worker killed mid-delivery', () => {
  it('loses no webhook: a new worker delivers every event at least once', async () => {
    const a = api(h);
    expect((await a.post('/v1/webhooks', { url: receiver.url, events: ['invite.created'] })).statusCode).toBe(
      201,
    );
    for (let i = 0; i < 3; i++) expect((await a.post('/v1/invites', { count: 100 })).statusCode).toBe(201);

    const first = worker();
    await waitFor(() => receiver.hits.length >= 40, 30_000, 'deliveries to start');
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = receiver.hits.length;
    worker();
    const ids = () => new Set(receiver.hits.map((x) => x.headers['webhook-id']));
    await waitFor(() => ids().size >= 300, 60_000, `300 distinct events (have ${ids().size})`);
    const duplicates = receiver.hits.length - ids().size;
    console.log(
      `webhooks at kill ${atKill}; after takeover ${receiver.hits.length} deliveries of 300 events; duplicates ${duplicates}`,
    );
    expect(atKill).toBeLessThan(300);
    expect(duplicates).toBeLessThanOrEqual(2); // at most the delivery in flight at the kill
  });
});
