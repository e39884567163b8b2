import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  scanKeys,
  startHerald,
  startSink,
  waitFor,
  waitForBatch,
  waitForInvite,
  type Sink,
  type TestHerald,
} from '../helpers.js';
import { startReceiver, type Receiver } from '../receiver.js';

let sink: Sink;
let h: TestHerald;
let a: ReturnType<typeof api>;
let receiver: Receiver;

beforeAll(async () => {
  // The bulk send's spelling of the address is refused with a reply naming it, so a failed job
  // record holds it too.
  sink = await startSink((to) =>
    to[0] === 'ERASE.ME@example.org' ? { code: 451, message: `4.2.0 <${to[0]}> try later` } : null,
  );
  receiver = await startReceiver();
  h = await startHerald({
    sink,
    roles: { api: true, worker: true },
    env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF: '50', SEND_ATTEMPTS: '1' },
  });
  a = api(h);
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
  await receiver.close();
});

/** Every key of this Herald (data, partitions, queues) whose name or any value holds `needle`. */
async function holding(needle: string) {
  const found: string[] = [];
  const has = (s: string) => s.toLowerCase().includes(needle);
  const keys = [
    ...(await scanKeys(h.redis, `{${h.prefix}}*`)),
    ...(await scanKeys(h.redis, `{${h.prefix}:*`)),
  ];
  for (const key of keys) {
    const type = await h.redis.type(key);
    const read: Record<string, () => Promise<string[]>> = {
      string: async () => [(await h.redis.get(key)) ?? ''],
      hash: async () => Object.entries(await h.redis.hgetall(key)).flat(),
      list: () => h.redis.lrange(key, 0, -1),
      set: () => h.redis.smembers(key),
      zset: () => h.redis.zrange(key, 0, -1),
      stream: async () => (await h.redis.xrange(key, '-', '+')).flatMap(([, f]) => f),
    };
    const values = (await read[type]?.()) ?? [];
    if (has(key) || values.some(has)) found.push(`${key} (${type})`);
  }
  return found;
}

describe('erasure (POST /v1/erasures, DESIGN §18)', () => {
  it('removes every invite, event, delivery log, batch entry, job and replay naming the address; it stays suppressed as a digest', async () => {
    const address = 'Erase.Me@Example.org';
    const hook = (await a.post('/v1/webhooks', { url: receiver.url })).json();
    // An invite sent to it, one in a bulk send, one created with an Idempotency-Key, an open
    // invite it accepted, a suppression.
    const sent = (await a.post('/v1/invites', { email: address, scope: { type: 'org', id: 'a' } })).json();
    const bulk = (
      await a.post('/v1/invites/send', {
        emails: ['other@example.org', 'ERASE.ME@example.org'],
        scope: { type: 'org', id: 'b' },
      })
    ).json();
    const idem = await a.post(
      '/v1/invites',
      { email: 'erase.me@example.org', scope: { type: 'org', id: 'c' }, send: false },
      { 'idempotency-key': 'erase-test-1' },
    );
    expect(idem.statusCode).toBe(201);
    const open = (await a.post('/v1/invites', { maxUses: 5 })).json();
    await a.post(`/v1/invites/${open.id}/accept`, { userId: 'u9', email: 'erase.me@EXAMPLE.org' });
    await waitForInvite(a, sent.id, (x) => x.delivery.status === 'sent', 'sent');
    await waitForBatch(a, bulk.batchId);
    expect((await a.put('/v1/suppressions/erase.me@example.org', { reason: 'manual' })).statusCode).toBe(201);
    await waitFor(() => receiver.hits.length >= 6, 15_000, 'webhook deliveries');
    const ours = (await a.get('/v1/invites?limit=100'))
      .json()
      .data.filter((i: { email: string | null }) => i.email?.toLowerCase() === 'erase.me@example.org');
    expect(ours).toHaveLength(3);
    const before = await holding('erase.me@example.org');
    expect(before.length).toBeGreaterThan(5);
    // Among them a failed job's record (its SMTP reply) and an idempotency replay.
    expect(before.some((k) => k.startsWith(`{${h.prefix}:d`))).toBe(true);
    expect(before.some((k) => k.includes(':idem:'))).toBe(true);

    const r = await a.post('/v1/erasures', { email: 'ERASE.me@example.org' });
    expect(r.statusCode).toBe(200);
    const erasure = r.json();
    expect(erasure).toMatchObject({
      id: expect.stringMatching(/^ers_/),
      emailDigest: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(erasure.invites).toBe(4); // three to the address, and the open invite it accepted
    expect(erasure.events).toBe(7); // created+sent twice, created, the open invite's accept, suppression.created
    expect(erasure.deliveries).toBeGreaterThanOrEqual(1);
    expect(await holding('erase.me@example.org')).toEqual([]);
    for (const id of [sent.id, idem.json().id, open.id, ...ours.map((i: { id: string }) => i.id)])
      expect((await a.get(`/v1/invites/${id}`)).statusCode).toBe(404);
    expect((await a.get('/v1/invites?email=erase.me@example.org')).json().data).toEqual([]);
    // The other address of the batch is untouched; the batch still adds up.
    expect((await a.get('/v1/invites?email=other@example.org')).json().data).toHaveLength(1);
    // Suppression lists no longer show it.
    expect((await a.get('/v1/suppressions/erase.me@example.org')).statusCode).toBe(404);
    expect(JSON.stringify((await a.get('/v1/suppressions?limit=100')).json())).not.toMatch(/erase\.me/i);

    // One subject.erased event, naming no address; again: the same id, nothing left to remove.
    const again = (await a.post('/v1/erasures', { email: 'erase.me@example.org' })).json();
    expect(again).toEqual({ ...erasure, invites: 0, events: 0, deliveries: 0 });
    const feed = (await a.get('/v1/events?type=subject.erased&limit=100')).json().data;
    expect(feed).toHaveLength(1);
    expect(feed[0].data).toEqual(erasure);
    await waitFor(() => receiver.hits.some((x) => x.body.includes('subject.erased')), 10_000, 'webhook');

    // Still not mailed: a new invite to the address is created, and its send is suppressed.
    const sentBefore = sink.messages.length;
    const later = (
      await a.post('/v1/invites', { email: 'erase.me@example.org', scope: { type: 'org', id: 'd' } })
    ).json();
    await waitForInvite(a, later.id, (x) => x.delivery.status === 'suppressed', 'suppressed');
    expect(
      sink.messages.slice(sentBefore).filter((m) => m.to[0].toLowerCase() === 'erase.me@example.org'),
    ).toEqual([]);
    expect(hook.id).toBeTruthy();
  });

  it('refuses what is not an address, naming the field', async () => {
    for (const body of [
      {},
      { email: 'nope' },
      { email: 'a@b.c', extra: 1 },
      { email: 'a@b.c', allTenants: 'yes' },
    ]) {
      const r = await a.post('/v1/erasures', body);
      expect(r.statusCode).toBe(400);
      expect(JSON.stringify(r.json().error.details)).toMatch(/email|extra|allTenants|body/);
    }
  });
});
