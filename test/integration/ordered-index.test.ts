import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import type { ListQuery } from '../../src/invites/inputs.js';
import type { Invite } from '../../src/invites/invite.js';
import { noJobs } from '../../src/invites/ports.js';
import { createQueries } from '../../src/invites/queries.js';
import { createService } from '../../src/invites/service.js';
import { createStore } from '../../src/invites/store.js';
import { partitionKeys, partitionPrefixes } from '../../src/keys.js';
import { domainSettings, scanKeys, startHerald, TEST_SECRET, type TestHerald } from '../helpers.js';

// The indexes are buckets of at most 123 entries (src/invites/lua/lib/ordered.lua). The model-based list
// test stores too few invites to fill one; here 640 fill several per index, in
// bulk and one by one, with ties, and a third are deleted, so buckets split, empty and leave the
// directory. Every page of every sort must still be the model's, and every bucket in its place.
const clock = manualClock(Date.parse('2032-01-01T00:00:00Z'));
let h: TestHerald;
let service: ReturnType<typeof createService>;
let list: ReturnType<typeof createQueries>['list'];
const order = new Map<string, number>();

beforeAll(async () => {
  h = await startHerald({ clock });
  const store = createStore(h.redis, h.data, h.partitions);
  service = createService(store, noJobs, clock, domainSettings());
  list = createQueries(store, clock, TEST_SECRET, service.view).list;
  const made: Invite[] = [];
  for (let round = 0; round < 4; round++) {
    clock.advance(1000);
    // 150 in one request (one partition, one createdAt: a tie; more than a bucket holds, so its
    // indexes split wherever it lands), then 10 one by one.
    const bulk = (
      (await service.create({ role: 'bulk', maxAge: 3600 * (round + 1), count: 150 })) as { data: Invite[] }
    ).data;
    made.push(...bulk);
    for (let i = 0; i < 10; i++) {
      clock.advance(7);
      made.push((await service.create({ role: 'single', maxAge: i % 2 ? 0 : 900 - i })) as Invite);
    }
  }
  made.forEach((m, i) => order.set(m.id, i));
  // Every third is deleted, and every fifth of the rest touched (a new updatedAt).
  for (let i = 0; i < made.length; i += 3) await service.remove(made[i].id);
  for (let i = 1; i < made.length; i += 5) {
    if (i % 3 === 0) continue;
    clock.advance(3);
    await service.patch(made[i].id, { metadata: { n: i } });
  }
  // Every seventh left is canceled: its expiry moves from the 'due' index to 'expires'.
  for (let i = 2; i < made.length; i += 7) if (i % 3 !== 0) await service.cancel(made[i].id);
  // An hour on, the first round's bulk invites and every single one with an expiry are due: the
  // sweep moves their entries from 'due' to 'expires', a bucket's worth at a time, 50 a call.
  clock.advance(3600 * 1000);
  expect((await service.sweep(50)).flipped).toBeGreaterThan(50);
  for (let i = 0; i < made.length; i += 3) order.delete(made[i].id);
});
afterAll(() => h.cleanup());

/** Checks every bucket of the named indexes against its bounds; the entries per index and the buckets. */
async function checkBuckets(indexes: string[]): Promise<Record<string, number>> {
  const totals: Record<string, number> = { buckets: 0 };
  for (const P of partitionPrefixes(h.data, h.partitions)) {
    for (const name of indexes) {
      const L = partitionKeys(P).index(name);
      const names = await h.redis.zrange(`${L}:d`, 0, -1);
      expect(names).toEqual([...names].sort());
      const bounds = ['', ...names];
      let total = 0;
      for (const [i, b] of bounds.entries()) {
        const entries = await h.redis.zrange(`${L}:b:${b}`, 0, -1);
        if (b !== '') expect(entries.length).toBeGreaterThan(0);
        expect(entries.length).toBeLessThanOrEqual(123);
        for (const e of entries) {
          expect(e >= b).toBe(true);
          if (i + 1 < bounds.length) expect(e < bounds[i + 1]).toBe(true);
        }
        total += entries.length;
      }
      expect((await scanKeys(h.redis, `${L}:b:*`)).length).toBeLessThanOrEqual(bounds.length);
      totals[name] = (totals[name] ?? 0) + total;
      totals.buckets += bounds.length;
    }
  }
  return totals;
}

async function model(sort: string, role?: string, status?: string): Promise<string[]> {
  const all = (await Promise.all([...order.keys()].map((id) => service.get(id)))).filter(
    (x) => (!role || x.role === role) && (!status || status.split(',').includes(x.status)),
  );
  const field = sort.replace('-', '') as 'createdAt' | 'expiresAt' | 'updatedAt';
  const key = (x: Invite) => (x[field] ? Date.parse(x[field]) : Infinity);
  const dir = sort.startsWith('-') ? -1 : 1;
  all.sort((a, b) => (key(a) === key(b) ? order.get(a.id)! - order.get(b.id)! : (key(a) - key(b)) * dir));
  return all.map((x) => x.id);
}

async function paged(q: Partial<ListQuery>): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await list({ limit: 37, ...q, after } as ListQuery);
    out.push(...page.data.map((x) => x.id));
    if (!page.hasMore) return out;
    after = page.nextCursor!;
  }
}

describe('ordered indexes over many buckets', () => {
  it('page through every sort, with and without a filter, exactly as the model', async () => {
    for (const sort of ['createdAt', '-createdAt', 'expiresAt', '-expiresAt', 'updatedAt', '-updatedAt']) {
      expect(await paged({ sort } as Partial<ListQuery>)).toEqual(await model(sort));
      expect(await paged({ sort, role: 'single' } as Partial<ListQuery>)).toEqual(
        await model(sort, 'single'),
      );
      for (const status of ['canceled', 'pending', 'canceled,pending'])
        expect(await paged({ sort, status } as Partial<ListQuery>)).toEqual(
          await model(sort, undefined, status),
        );
    }
  });

  it('keep each bucket within its bounds, at most 123 entries, and no empty bucket named', async () => {
    const totals = await checkBuckets(['created', 'updated', 'expires', 'due', 'role']);
    // An expiry stands in one of two: 'due' while pending with an expiry, else 'expires'.
    expect(totals.due).toBeGreaterThan(0);
    expect({ ...totals, expires: totals.expires + totals.due, due: 0, buckets: 0 }).toEqual({
      created: order.size,
      updated: order.size,
      expires: order.size,
      due: 0,
      role: order.size,
      buckets: 0,
    });
    // Each request's 150 split every index of the partition they went to.
    expect(totals.buckets).toBeGreaterThan(4 * partitionPrefixes(h.data, h.partitions).length);
  });

  it('find values longer than an entry holds (they are hashed there), exactly', async () => {
    const long = 'r'.repeat(90);
    const email = `${'a'.repeat(60)}@${'b'.repeat(60)}.example`;
    const a = (await service.create({ role: `${long}A`, email, send: false })) as Invite;
    await service.create({ role: `${long}A`, send: false });
    await service.create({ role: `${long}B`, send: false });
    const ids = async (q: Partial<ListQuery>) => (await paged({ sort: '-createdAt', ...q })).length;
    expect(await ids({ role: `${long}A` })).toBe(2);
    expect(await ids({ role: `${long}B` })).toBe(1);
    expect(await ids({ email: email.toUpperCase() })).toBe(1);
    await expect(service.create({ email, send: false })).rejects.toMatchObject({ status: 409 });
    await service.cancel(a.id);
    await expect(service.create({ email, send: false })).resolves.toMatchObject({ email });
  });

  it('move entries out of buckets that then empty and leave the directory (touch, in the updated index)', async () => {
    // 300 in one request land in one partition, appended to its updated index across three
    // buckets or more; touching them all, oldest first, moves each to the end, so every bucket
    // that held only them empties.
    const made = ((await service.create({ role: 'moved', maxAge: 0, count: 300 })) as { data: Invite[] })
      .data;
    const P = partitionPrefixes(h.data, h.partitions);
    const directory = async () =>
      (
        await Promise.all(P.map((p) => h.redis.zrange(`${partitionKeys(p).index('updated')}:d`, 0, -1)))
      ).flat();
    const before = await directory();
    for (const m of made) {
      clock.advance(1);
      await service.patch(m.id, { metadata: { moved: true } });
    }
    const after = new Set(await directory());
    expect(before.filter((b) => !after.has(b)).length).toBeGreaterThan(0);
    await checkBuckets(['updated']);
    const ids = made.map((m) => m.id);
    expect(await paged({ sort: '-updatedAt', role: 'moved' })).toEqual([...ids].reverse());
    expect(await paged({ sort: 'updatedAt', role: 'moved' })).toEqual(ids);
  });
});
