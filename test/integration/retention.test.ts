import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { createStore, type Store } from '../../src/invites/store.js';
import { api, scanKeys, startHerald, waitFor, type TestHerald } from '../helpers.js';

const clock = manualClock();
let h: TestHerald;
let a: ReturnType<typeof api>;
let store: Store;

beforeAll(async () => {
  h = await startHerald({
    clock,
    roles: { api: true, worker: true },
    env: { EXPIRY_SWEEP_EVERY: '200', INVITE_RETENTION: '100' },
  });
  a = api(h);
  store = createStore(h.redis, h.data, h.partitions);
});
afterAll(() => h.cleanup());

/** Every key of this Herald's data and every member or value in it that names `id`. */
async function traces(id: string) {
  const found: string[] = [];
  const tail = id.slice(4);
  for (const key of await scanKeys(h.redis, `*${h.prefix}*`)) {
    if (key.includes(tail)) found.push(key);
    const type = await h.redis.type(key);
    // The feed keeps its events until EVENT_RETENTION (DESIGN §18): streams are not looked in.
    if (type === 'zset' && (await h.redis.zrange(key, 0, -1)).some((m) => m.includes(tail)))
      found.push(`${key} (member)`);
    if (type === 'hash' && Object.values(await h.redis.hgetall(key)).some((v) => v === id))
      found.push(`${key} (value)`);
    if (type === 'set' && (await h.redis.smembers(key)).includes(id)) found.push(`${key} (member)`);
  }
  return found;
}

const gone = async (id: string) => (await a.get(`/v1/invites/${id}`)).statusCode === 404;

describe('retention (INVITE_RETENTION, DESIGN §18)', () => {
  it('the sweep removes a final invite with its trail, indexes and code that long after it became final; stats and the feed keep it', async () => {
    const scope = { type: 'org', id: 'retention' };
    const [open, canceled, declined, expiring, pending] = await Promise.all(
      [
        { scope, maxUses: 1 },
        { scope, email: 'c@retention.test' },
        { scope, email: 'd@retention.test' },
        { scope, email: 'x@retention.test', maxAge: 10 },
        { scope, email: 'p@retention.test', maxAge: 0 },
      ].map(async (body) => (await a.post('/v1/invites', { ...body, send: false })).json()),
    );
    expect((await a.post(`/v1/invites/${open.id}/accept`, { userId: 'u1' })).statusCode).toBe(200);
    expect((await a.post(`/v1/invites/${canceled.id}/cancel`)).statusCode).toBe(200);
    expect((await a.post(`/v1/invites/${declined.id}/decline`)).statusCode).toBe(200);
    const statsBefore = (await a.get('/v1/stats')).json().totals;

    clock.advance(50_000); // the expiring one expires at +10 s: final then, kept until +110 s
    await waitFor(async () => (await store.get(expiring.id))?.status === 'expired', 10_000, 'expired');
    expect((await a.get(`/v1/invites/${open.id}`)).statusCode).toBe(200);

    clock.advance(55_000); // +105 s: the three final at +0 s are past 100 s
    for (const inv of [open, canceled, declined])
      await waitFor(() => gone(inv.id), 10_000, `${inv.id} removed`);
    expect((await a.get(`/v1/invites/${expiring.id}`)).json().status).toBe('expired');
    expect((await a.get(`/v1/public/invites/${open.code}`)).statusCode).toBe(404);
    expect((await a.get(`/v1/invites/${open.id}/events`)).statusCode).toBe(404);
    for (const inv of [open, canceled, declined]) expect(await traces(inv.id)).toEqual([]);

    clock.advance(10_000); // +115 s
    await waitFor(() => gone(expiring.id), 10_000, 'expired invite removed');
    expect(await traces(expiring.id)).toEqual([]);
    expect((await a.get(`/v1/invites/${pending.id}`)).json().status).toBe('pending');
    const listed = (await a.get('/v1/invites?scopeId=retention&limit=100'))
      .json()
      .data.map((i: { id: string }) => i.id);
    expect(listed).toEqual([pending.id]);
    expect((await a.get('/v1/stats')).json().totals).toMatchObject({
      accepted: statsBefore.accepted,
      canceled: statsBefore.canceled,
      declined: statsBefore.declined,
      expired: statsBefore.expired + 1,
    });
    const feed = (await a.get(`/v1/events?inviteId=${open.id}&limit=100`)).json().data;
    expect(feed.map((e: { type: string }) => e.type)).toEqual(['invite.created', 'invite.accepted']);
  });

  it('removes in calls of 500 per partition: 1,200 canceled invites go in one sweep', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const page = (await a.post('/v1/invites', { count: 100, send: false })).json().data;
      ids.push(...page.map((x: { id: string }) => x.id));
    }
    for (const id of ids) await a.post(`/v1/invites/${id}/cancel`);
    clock.advance(101_000);
    await waitFor(async () => (await store.getMany(ids)).every((d) => d === null), 20_000, 'all removed');
  });
});
