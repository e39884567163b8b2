import { queuePrefix } from '../../src/keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { noJobs } from '../../src/invites/ports.js';
import { createService } from '../../src/invites/service.js';
import { createStore, type Store } from '../../src/invites/store.js';
import { api, domainSettings, startHerald, waitFor, type TestHerald } from '../helpers.js';

const clock = manualClock();
let h: TestHerald;
let a: ReturnType<typeof api>;
let store: Store;

beforeAll(async () => {
  h = await startHerald({ clock, roles: { api: true, worker: true }, env: { EXPIRY_SWEEP_EVERY: '200' } });
  a = api(h);
  store = createStore(h.redis, h.data, h.partitions);
});
afterAll(() => h.cleanup());

const settings = domainSettings({ inviteTtl: 0, resendCooldown: 60 });
const eventsOf = async (id: string) =>
  (await a.get(`/v1/invites/${id}/events`)).json().data.map((e: { type: string }) => e.type) as string[];

describe('expiry sweeps', () => {
  it('the scheduled sweep flips exactly the expired ones, with events and indexes', async () => {
    const short = await Promise.all(
      [1, 2, 3].map(() => a.post('/v1/invites', { maxAge: 60 }).then((r) => r.json())),
    );
    const long = (await a.post('/v1/invites', { maxAge: 3600 })).json();
    const never = (await a.post('/v1/invites', { maxAge: 0 })).json();
    const accepted = (await a.post('/v1/invites', { maxAge: 60 })).json();
    await a.post(`/v1/invites/${accepted.id}/accept`, { userId: 'u' });
    clock.advance(61_000);
    await waitFor(
      async () => (await store.getMany(short.map((s) => s.id))).every((d) => d?.status === 'expired'),
      10_000,
      'scheduled sweep',
    );
    for (const s of short) {
      const read = (await a.get(`/v1/invites/${s.id}`)).json();
      expect(read).toMatchObject({ status: 'expired', expiredAt: s.expiresAt, updatedAt: s.updatedAt });
      expect(await eventsOf(s.id)).toEqual(['created', 'expired']);
    }
    expect((await store.get(long.id))!.status).toBe('pending');
    expect((await store.get(never.id))!.status).toBe('pending');
    expect((await store.get(accepted.id))!.status).toBe('accepted');
    expect(await store.dueCount(clock.now())).toBe(0);
    const listed = (await a.get('/v1/invites?status=expired&limit=100'))
      .json()
      .data.map((x: { id: string }) => x.id);
    expect(listed.sort()).toEqual(short.map((s) => s.id).sort());
    const pending = (await a.get('/v1/invites?status=pending&limit=100'))
      .json()
      .data.map((x: { id: string }) => x.id);
    expect(pending.sort()).toEqual([long.id, never.id].sort());
  });

  it('an address whose invite expired can be invited again, before and after the sweep', async () => {
    const scope = { type: 'team', id: 'again' };
    const first = (
      await a.post('/v1/invites', { email: 'again@expiry.test', scope, maxAge: 30, send: false })
    ).json();
    expect((await a.post('/v1/invites', { email: 'again@expiry.test', scope, send: false })).statusCode).toBe(
      409,
    );
    clock.advance(31_000);
    const second = await a.post('/v1/invites', {
      email: 'AGAIN@expiry.test',
      scope,
      maxAge: 30,
      send: false,
    });
    expect(second.statusCode).toBe(201);
    expect((await a.get(`/v1/invites/${first.id}`)).json().status).toBe('expired');
    clock.advance(31_000);
    await createService(store, noJobs, clock, settings).sweep();
    expect((await store.get(second.json().id))!.status).toBe('expired');
    expect((await a.post('/v1/invites', { email: 'again@expiry.test', scope, send: false })).statusCode).toBe(
      201,
    );
  });

  it('POST /v1/sweeps/expire runs one now', async () => {
    const inv = (await a.post('/v1/invites', { maxAge: 10 })).json();
    clock.advance(11_000);
    const r = await a.post('/v1/sweeps/expire');
    expect(r.statusCode).toBe(202);
    await waitFor(async () => (await store.get(inv.id))!.status === 'expired', 10_000, 'manual sweep');
  });

  it('two sweeps at once give the same result as one', async () => {
    const invs = await Promise.all(
      Array.from({ length: 300 }, () => a.post('/v1/invites', { maxAge: 5 }).then((r) => r.json())),
    );
    clock.advance(6000);
    const s1 = createService(createStore(h.redis, h.data, h.partitions), noJobs, clock, settings);
    const s2 = createService(store, noJobs, clock, settings);
    const [r1, r2] = await Promise.all([s1.sweep(50), s2.sweep(50)]);
    // the scheduled sweep may take some too: together they never flip one invite twice
    expect(r1.flipped + r2.flipped).toBeLessThanOrEqual(300);
    const docs = await store.getMany(invs.map((i) => i.id));
    expect(docs.every((d) => d?.status === 'expired')).toBe(true);
    for (const inv of invs) expect((await eventsOf(inv.id)).filter((t) => t === 'expired')).toHaveLength(1);
    expect((await s1.sweep()).flipped).toBe(0);
  });

  it('accept racing the sweep never yields an invite both accepted and expired', async () => {
    const svc = createService(store, noJobs, clock, settings);
    for (let round = 0; round < 40; round++) {
      const inv = (await a.post('/v1/invites', { maxAge: 1 })).json();
      // half the rounds race right at the moment of expiry, half just before it
      if (round % 2 === 0) clock.advance(1000);
      const [acc] = await Promise.all([a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u' }), svc.sweep()]);
      const doc = (await store.get(inv.id))!;
      const events = await eventsOf(inv.id);
      if (acc.statusCode === 200) {
        expect(doc.status).toBe('accepted');
        expect(events).not.toContain('expired');
      } else {
        expect(acc.json().error.code).toBe('invite_expired');
        expect(doc.status).toBe('expired');
        expect(doc.uses).toBe(0);
        expect(events).not.toContain('accepted');
      }
      if (round % 2 === 1) clock.advance(1000);
    }
  });

  it('extending expiresAt by PATCH or resend moves the invite in the expiry index', async () => {
    const p = (await a.post('/v1/invites', { maxAge: 10 })).json();
    const r = (await a.post('/v1/invites', { maxAge: 10, email: 'ext@example.com', send: false })).json();
    await a.patch(`/v1/invites/${p.id}`, { maxAge: 3600 });
    await a.post(`/v1/invites/${r.id}/resend`, { maxAge: 3600 });
    clock.advance(20_000);
    const svc = createService(store, noJobs, clock, settings);
    await svc.sweep();
    expect((await store.get(p.id))!.status).toBe('pending');
    expect((await store.get(r.id))!.status).toBe('pending');
    await a.patch(`/v1/invites/${p.id}`, { expiresAt: null });
    clock.advance(3600_000);
    await svc.sweep();
    expect((await store.get(p.id))!.status).toBe('pending');
    expect((await store.get(r.id))!.status).toBe('expired');
  });

  it('the scheduler exists once however many workers start', async () => {
    const second = await startHerald({
      prefix: h.prefix,
      clock,
      roles: { api: false, worker: true },
      env: { EXPIRY_SWEEP_EVERY: '200' },
    });
    try {
      const { Queue } = await import('bullmq');
      const q = new Queue('maintenance', {
        connection: h.redis,
        prefix: queuePrefix(h.prefix, 'maintenance'),
      });
      expect(await q.getJobSchedulersCount()).toBe(1);
      await q.close();
    } finally {
      await second.close();
      await second.redis.quit();
    }
  });
});
