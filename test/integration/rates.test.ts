import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHerald, startSink, waitForBatch, type Sink, type TestHerald } from '../helpers.js';

// Send rates hold across workers because they are counted in Redis. Arrival times at a real SMTP
// sink show it: lower bounds on how long a limited stream must take, never upper bounds on speed.
let sink: Sink;
const arrived = new Map<string, number>();
const started: TestHerald[] = [];
beforeAll(async () => {
  sink = await startSink((to) => {
    arrived.set(to[0], Date.now());
    return null;
  });
});
afterAll(async () => {
  for (const h of started) await h.cleanup().catch(() => {});
  await sink.close();
});
const herald = async (o: Parameters<typeof startHerald>[0]) => {
  const h = await startHerald({ sink, ...o });
  started.push(h);
  return h;
};
const spread = (suffix: string) => {
  const times = [...arrived].filter(([to]) => to.endsWith(suffix)).map(([, t]) => t);
  return { n: times.length, first: Math.min(...times), last: Math.max(...times) };
};

describe('send rates', () => {
  it('holds a domain to its rate while another domain goes at full speed', async () => {
    const h = await herald({ roles: { api: true, worker: true }, env: { DOMAIN_RATES: 'slow.test=4' } });
    const emails = Array.from({ length: 12 }, (_, i) => [`s${i}@slow.test`, `f${i}@fast.test`]).flat();
    const r = await api(h).post('/v1/invites/send', { emails });
    const batch = await waitForBatch(api(h), r.json().batchId, 30_000);
    expect(batch).toMatchObject({ sent: 24, failed: 0 });
    const slow = spread('@slow.test');
    const fast = spread('@fast.test');
    expect([slow.n, fast.n]).toEqual([12, 12]);
    // 12 messages at 4 per second: three windows of a second, so the last message goes 2 s after
    // the first; counted by arrival, less the first message's time on the wire (the pool's first
    // connection: up to ~0.25 s here). Without the limit all 12 arrive within ~0.1 s.
    expect(slow.last - slow.first).toBeGreaterThanOrEqual(1500);
    // the fast domain was not held back behind the slow one
    expect(fast.last).toBeLessThan(slow.last - 1000);
    const inv = (await api(h).get(`/v1/invites?batchId=${r.json().batchId}&limit=100`)).json().data;
    expect(inv.every((i: { delivery: { attempts: number } }) => i.delivery.attempts === 1)).toBe(true); // waiting is no attempt
  });

  it('two workers together keep one SEND_RATE', async () => {
    const env = { SEND_RATE: '5' };
    const web = await herald({ env });
    const prefix = web.prefix;
    await herald({ prefix, roles: { api: false, worker: true }, env });
    await herald({ prefix, roles: { api: false, worker: true }, env });
    const emails = Array.from({ length: 20 }, (_, i) => `w${i}@two.test`);
    const r = await api(web).post('/v1/invites/send', { emails });
    await waitForBatch(api(web), r.json().batchId, 30_000);
    const two = spread('@two.test');
    expect(two.n).toBe(20);
    // 20 messages at 5 per second across both: four windows, the last 3 s after the first (less
    // the first message's time on the wire); a limit per worker would let them through in ~1 s.
    expect(two.last - two.first).toBeGreaterThanOrEqual(2500);
  });
});
