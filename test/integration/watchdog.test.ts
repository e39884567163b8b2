import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHerald, startSink, sleep, waitForBatch, type Sink, type TestHerald } from '../helpers.js';

// A delivery worker that stays "running" but takes no job, as BullMQ workers on a cluster have
// after a failover (src/jobs/watchdog.ts), made here by pausing the BullMQ worker behind
// Herald's back: Herald believes it consumes, and only the watchdog can notice.
let sink: Sink;
let h: TestHerald;

beforeAll(async () => {
  sink = await startSink();
  h = await startHerald({
    sink,
    roles: { api: true, worker: true },
    watchdog: { everyMs: 100, stuckAfterMs: 1500 },
  });
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

describe('the delivery watchdog', () => {
  it('replaces a shard worker that takes no job while jobs are ready; each address gets one message', async () => {
    const stuck = h.workers!.deliveries();
    await Promise.all(stuck.map((w) => w.pause(true)));
    const emails = Array.from({ length: 30 }, (_, i) => `w${i}@watchdog.test`);
    const r = await api(h).post('/v1/invites/send', { emails });
    expect(r.statusCode).toBe(202);
    await sleep(700); // less than stuckAfterMs: nothing replaced yet, nothing sent
    expect(sink.messages).toHaveLength(0);
    expect(h.workers!.deliveries().every((w, i) => w === stuck[i])).toBe(true);

    const batch = await waitForBatch(api(h), r.json().batchId, 20_000);
    expect(batch).toMatchObject({ created: 30, sent: 30, failed: 0 });
    expect(h.workers!.deliveries().every((w, i) => w !== stuck[i])).toBe(true);
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual([...emails].sort());
  });

  it('leaves alone workers that Herald paused itself, and idle ones', async () => {
    const before = h.workers!.deliveries();
    await h.workers!.pause();
    const r = await api(h).post('/v1/invites/send', { emails: ['paused@watchdog.test'] });
    expect(r.statusCode).toBe(202);
    await sleep(2500); // past stuckAfterMs
    expect(h.workers!.deliveries().every((w, i) => w === before[i])).toBe(true);
    expect(sink.messages.filter((m) => m.to[0] === 'paused@watchdog.test')).toHaveLength(0);
    h.workers!.resume();
    expect(await waitForBatch(api(h), r.json().batchId, 20_000)).toMatchObject({ sent: 1 });
    await sleep(2000); // idle with nothing ready: still the same workers
    expect(h.workers!.deliveries().every((w, i) => w === before[i])).toBe(true);
  });
});
