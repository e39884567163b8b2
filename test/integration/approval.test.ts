import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import {
  api,
  startHerald,
  startSink,
  waitFor,
  waitForBatch,
  waitForInvite,
  type Sink,
  type TestHerald,
} from '../helpers.js';

const clock = manualClock();
let sink: Sink;
let h: TestHerald;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sink = await startSink();
  h = await startHerald({
    sink,
    clock,
    roles: { api: true, worker: true },
    env: { EXPIRY_SWEEP_EVERY: '200', APPROVAL_TTL: '100' },
  });
  a = api(h);
  expect((await a.put('/v1/policy', { requireApproval: true })).statusCode).toBe(200);
  await new Promise((r) => setTimeout(r, 1100)); // the policy cache
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

const mailTo = (addr: string) => sink.messages.filter((m) => m.to.includes(addr));
const types = async (id: string) =>
  (await a.get(`/v1/events?inviteId=${id}&limit=100`)).json().data.map((e: { type: string }) => e.type);

describe('approval (DESIGN §17)', () => {
  it('holds a new invite in pending_approval: no mail, a code that opens nothing; approve sends it', async () => {
    const inv = (
      await a.post('/v1/invites', { email: 'wait@approval.test', scope: { type: 'org', id: 'w' } })
    ).json();
    expect(inv).toMatchObject({ status: 'pending_approval', delivery: { status: 'none' } });
    expect((await a.get(`/v1/public/invites/${inv.code}`)).statusCode).toBe(404);
    expect((await a.get(`/v1/public/invites/${inv.code}/validate`)).json()).toEqual({
      valid: false,
      reason: 'not_found',
    });
    expect((await h.inject({ method: 'GET', url: `/i/${inv.code}` })).statusCode).toBe(404);
    const acc = await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u', email: 'wait@approval.test' });
    expect([acc.statusCode, acc.json().error.code]).toEqual([409, 'invite_pending_approval']);
    // It holds its (address, scope) pair.
    expect(
      (await a.post('/v1/invites', { email: 'WAIT@approval.test', scope: { type: 'org', id: 'w' } }))
        .statusCode,
    ).toBe(409);
    const listed = (await a.get('/v1/invites?status=pending_approval&limit=100'))
      .json()
      .data.map((i: { id: string }) => i.id);
    expect(listed).toContain(inv.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(mailTo('wait@approval.test')).toEqual([]);

    const approved = await a.post(
      `/v1/invites/${inv.id}/approve`,
      {},
      { 'x-audit-log-reason': 'looks fine' },
    );
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'pending', delivery: { status: 'queued' } });
    await waitForInvite(a, inv.id, (x) => x.delivery.status === 'sent', 'sent after approval');
    expect(mailTo('wait@approval.test')).toHaveLength(1);
    expect((await a.get(`/v1/public/invites/${inv.code}/validate`)).json().valid).toBe(true);
    expect(await types(inv.id)).toEqual([
      'invite.created',
      'invite.approval_requested',
      'invite.approved',
      'invite.sent',
    ]);
    const again = await a.post(`/v1/invites/${inv.id}/approve`);
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'invite_not_waiting']);
  });

  it('rejects one (final, no mail), a whole batch, and what waits past APPROVAL_TTL; stats count both', async () => {
    const one = (await a.post('/v1/invites', { email: 'no@approval.test' })).json();
    const rejected = await a.post(`/v1/invites/${one.id}/reject`, { reason: 'not a customer' });
    expect(rejected.json()).toMatchObject({ status: 'rejected' });
    expect(
      (await a.post(`/v1/invites/${one.id}/accept`, { userId: 'u', email: 'no@approval.test' })).json().error
        .code,
    ).toBe('invite_rejected');
    const trail = (await a.get(`/v1/invites/${one.id}/events`)).json().data;
    expect(trail.map((e: { type: string }) => e.type)).toEqual(['created', 'approval_requested', 'rejected']);
    expect(trail[2].reason).toBe('not a customer');

    const emails = ['b1@approval.test', 'b2@approval.test', 'b3@approval.test'];
    const { batchId } = (await a.post('/v1/invites/send', { emails })).json();
    await waitFor(
      async () => (await a.get(`/v1/batches/${batchId}`)).json().created === 3,
      10_000,
      'created',
    );
    const waiting = (await a.get(`/v1/invites?batchId=${batchId}`)).json().data;
    expect(waiting.map((i: { status: string }) => i.status)).toEqual([
      'pending_approval',
      'pending_approval',
      'pending_approval',
    ]);
    await a.post(`/v1/invites/${waiting[0].id}/approve`);
    expect((await a.post(`/v1/batches/${batchId}/reject`, { reason: 'spam' })).json()).toEqual({
      batchId,
      rejected: 2,
    });
    expect((await a.post(`/v1/batches/${batchId}/approve`)).json()).toEqual({ batchId, approved: 0 });
    const done = await waitForBatch(a, batchId);
    expect(done).toMatchObject({ status: 'done', created: 3, sent: 1, failed: 2 });
    expect(emails.map((e) => mailTo(e).length)).toEqual(emails.map((e) => (e === waiting[0].email ? 1 : 0)));
    expect((await a.post('/v1/batches/bat_unknown/approve')).statusCode).toBe(404);

    const late = (await a.post('/v1/invites', { email: 'late@approval.test' })).json();
    clock.advance(101_000);
    await waitForInvite(a, late.id, (x) => x.status === 'rejected', 'rejected by the sweep');
    const last = (await a.get(`/v1/invites/${late.id}/events`)).json().data.at(-1);
    expect(last).toMatchObject({ type: 'rejected', reason: 'approval_ttl' });
    const totals = (await a.get('/v1/stats')).json().totals;
    expect(totals).toMatchObject({ approved: 2, rejected: 4 });
    expect(await types(late.id)).toContain('invite.rejected');
  });

  it('approve racing reject: exactly one wins, with one event', async () => {
    for (let round = 0; round < 10; round++) {
      const inv = (await a.post('/v1/invites', { email: `race${round}@approval.test` })).json();
      const answers = await Promise.all([
        a.post(`/v1/invites/${inv.id}/approve`),
        a.post(`/v1/invites/${inv.id}/reject`),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      const decided = (await types(inv.id)).filter(
        (t: string) => t === 'invite.approved' || t === 'invite.rejected',
      );
      expect(decided).toHaveLength(1);
    }
  });

  it('a batch approved while its chunks are still being created: every invite of it is approved and sent once', async () => {
    const emails = Array.from({ length: 1200 }, (_, i) => `chunk${i}@approval.test`);
    const { batchId } = (await a.post('/v1/invites/send', { emails })).json();
    const approved = await a.post(`/v1/batches/${batchId}/approve`);
    expect(approved.statusCode).toBe(200);
    const done = await waitForBatch(a, batchId, 60_000);
    expect(done).toMatchObject({ created: 1200, sent: 1200, failed: 0 });
    const waiting = (await a.get(`/v1/invites?batchId=${batchId}&status=pending_approval`)).json().data;
    expect(waiting).toEqual([]);
    const mailed = new Set(sink.messages.filter((m) => m.to[0].startsWith('chunk')).map((m) => m.to[0]));
    expect(mailed.size).toBe(1200);
    expect(sink.messages.filter((m) => m.to[0].startsWith('chunk')).length).toBe(1200);
  }, 90_000);

  it('sends nothing before approval, even when the worker is replaced while the chunks are stored', async () => {
    const emails = Array.from({ length: 1000 }, (_, i) => `restart${i}@approval.test`);
    const { batchId } = (await a.post('/v1/invites/send', { emails })).json();
    // Another worker takes over while the first is stopped mid-way.
    await h.workers!.close();
    const next = await startHerald({ sink, clock, prefix: h.prefix, roles: { api: false, worker: true } });
    try {
      await waitFor(
        async () => (await a.get(`/v1/batches/${batchId}`)).json().created === 1000,
        30_000,
        'stored',
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(sink.messages.filter((m) => m.to[0].startsWith('restart'))).toEqual([]);
      expect((await a.post(`/v1/batches/${batchId}/approve`)).json()).toEqual({ batchId, approved: 1000 });
      await waitForBatch(a, batchId, 60_000);
      const mailed = sink.messages.filter((m) => m.to[0].startsWith('restart')).map((m) => m.to[0]);
      expect([mailed.length, new Set(mailed).size]).toEqual([1000, 1000]);
    } finally {
      await next.close();
      await next.redis.quit();
    }
  }, 90_000);
});
