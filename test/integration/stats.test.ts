import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  sleep,
  startHerald,
  startSink,
  waitFor,
  waitForBatch,
  type Sink,
  type TestHerald,
} from '../helpers.js';

let sink: Sink;
let h: TestHerald;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sink = await startSink();
  h = await startHerald({ sink, roles: { api: true, worker: true } });
  a = api(h);
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

const scope = { type: 'org', id: 'stats' };
const count = async (status: string) => {
  const r = (await a.get(`/v1/invites?scopeType=org&scopeId=stats&status=${status}&limit=100`)).json();
  return r.data.length as number;
};

describe('GET /v1/stats', () => {
  it('counts exactly what happened, under concurrent accepts and a sweep, by scope and batch', async () => {
    const r = await a.post('/v1/invites/send', {
      emails: Array.from({ length: 30 }, (_, i) => `s${i}@stats.test`),
      scope,
    });
    const batchId = r.json().batchId;
    await waitForBatch(a, batchId);
    const ids = (await a.get(`/v1/invites?batchId=${batchId}&limit=100`))
      .json()
      .data.map((i: { id: string; email: string }) => i);
    // 12 accepted, each accepted by two racing requests; 3 canceled; 2 declined; 4 opened
    await Promise.all(
      ids
        .slice(0, 12)
        .flatMap((i: { id: string; email: string }) =>
          [0, 1].map(() => a.post(`/v1/invites/${i.id}/accept`, { userId: `u-${i.id}`, email: i.email })),
        ),
    );
    for (const i of ids.slice(12, 15)) await a.post(`/v1/invites/${i.id}/cancel`);
    for (const i of ids.slice(15, 17)) await a.post(`/v1/invites/${i.id}/decline`);
    for (const i of ids.slice(17, 21)) {
      const code = (await a.get(`/v1/invites/${i.id}`)).json().code;
      await h.inject({ method: 'GET', url: `/i/${code}` });
      await h.inject({ method: 'GET', url: `/i/${code}` });
    }
    // 5 open invites that expire, flipped by a sweep; one more in a scope whose names are hostile
    // JSON ('}' and quotes), which the sweep reads without decoding the whole invite
    for (let i = 0; i < 5; i++) await a.post('/v1/invites', { scope, maxAge: 1 });
    const odd = { type: 'we}ird"', id: 'x\\"}y{' };
    await a.post('/v1/invites', { scope: odd, maxAge: 1 });
    await sleep(1100);
    await a.post('/v1/sweeps/expire');
    // The list reads a pending invite past its expiry as expired before any sweep; the counters
    // move only when the sweep flips it, so wait for the sweep itself.
    const stats = async () =>
      (
        await a.get(
          '/v1/stats?scopeType=org&scopeId=stats&interval=hour&from=' +
            new Date(Date.now() - 3600_000).toISOString(),
        )
      ).json();
    await waitFor(async () => (await stats()).totals.expired === 5, 10_000, 'the sweep');

    const s = await stats();
    expect(s.totals).toEqual({
      created: 35,
      sent: 30,
      failed: 0,
      suppressed: 0,
      bounced: 0,
      opened: 4,
      accepted: await count('accepted'),
      declined: await count('declined'),
      expired: await count('expired'),
      canceled: await count('canceled'),
      approved: 0,
      rejected: 0,
    });
    expect(s.totals).toMatchObject({ accepted: 12, declined: 2, expired: 5, canceled: 3 });
    expect(s.rates).toEqual({ open: 0.1333, accept: 0.4 });
    expect(s.series.reduce((n: number, b: { created: number }) => n + b.created, 0)).toBe(35);
    const byBatch = (await a.get(`/v1/stats?batchId=${batchId}`)).json();
    expect(byBatch.totals).toMatchObject({ created: 30, sent: 30, accepted: 12 });
    const oddQuery = new URLSearchParams({ scopeType: odd.type, scopeId: odd.id });
    expect((await a.get(`/v1/stats?${oddQuery}`)).json().totals).toMatchObject({ created: 1, expired: 1 });
    const byType = (await a.get('/v1/stats?scopeType=org')).json();
    expect(byType.totals.created).toBeGreaterThanOrEqual(35);
  });

  it('answers per day by default for the last 30 days, and refuses over 1,000 buckets', async () => {
    const s = (await a.get('/v1/stats')).json();
    expect(s.series.length).toBeGreaterThanOrEqual(30);
    expect(s.series.length).toBeLessThanOrEqual(31);
    const wide = await a.get(`/v1/stats?interval=hour&from=2020-01-01T00:00:00Z`);
    expect([wide.statusCode, wide.json().error.code]).toEqual([400, 'too_many_buckets']);
    expect((await a.get('/v1/stats?from=yesterday')).statusCode).toBe(400);
    expect((await a.get('/v1/stats?scopeId=x')).statusCode).toBe(400);
    expect((await a.get('/v1/stats?interval=week')).statusCode).toBe(400);
  });
});
