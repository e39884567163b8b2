import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { api, startHerald, type TestHerald } from '../helpers.js';

let h: TestHerald;
let a: ReturnType<typeof api>;
const clock = manualClock(Date.parse('2030-01-01T00:00:00Z'));
type Inv = {
  id: string;
  code: string;
  status: string;
  createdAt: string;
  expiresAt: string | null;
  updatedAt: string;
};
const made: Inv[] = [];

async function make(body: object) {
  const r = await a.post('/v1/invites', { send: false, ...body });
  expect(r.statusCode).toBe(201);
  made.push(r.json());
  return r.json() as Inv;
}

async function all(query: string): Promise<Inv[]> {
  const out: Inv[] = [];
  let after = '';
  for (let i = 0; i < 100; i++) {
    const r = await a.get(`/v1/invites?${query}&limit=3${after ? `&after=${after}` : ''}`);
    expect(r.statusCode).toBe(200);
    const page = r.json();
    out.push(...page.data);
    expect(page.hasMore).toBe(page.nextCursor !== null);
    if (!page.hasMore) return out;
    expect(page.data).toHaveLength(3);
    after = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

beforeAll(async () => {
  h = await startHerald({ clock });
  a = api(h);
  // 12 invites over distinct and shared timestamps, roles, scopes, inviters and expiries.
  for (let i = 0; i < 12; i++) {
    if (i % 3 === 0) clock.advance(1000); // groups of three share createdAt
    await make({
      email: i % 2 === 0 ? `user${i}@example.com` : undefined,
      role: i % 2 === 0 ? 'admin' : 'member',
      scope: { type: i < 6 ? 'guild' : 'organization', id: `s${i % 4}` },
      inviter: { id: `boss${i % 3}`, name: 'Boss' },
      maxAge: 3600 * (1 + (i % 4)), // ties in expiresAt among those created together
      maxUses: 0,
    });
  }
  await a.post(`/v1/invites/${made[1].id}/accept`, { userId: 'alice' });
  await a.post(`/v1/invites/${made[3].id}/accept`, { userId: 'alice' });
  await a.post(`/v1/invites/${made[3].id}/accept`, { userId: 'bob' });
  await a.post(`/v1/invites/${made[4].id}/cancel`);
  await a.patch(`/v1/invites/${made[5].id}`, { maxUses: 1 }); // now pending with maxUses 1
  await a.post(`/v1/invites/${made[5].id}/accept`, { userId: 'carol' }); // → accepted
});
afterAll(() => h.cleanup());

const ids = (xs: Inv[]) => xs.map((x) => x.id);
const byCreation = () => [...made];

describe('list', () => {
  it('pages newest first by default with ties in creation order, ending with a null cursor', async () => {
    const got = await all('');
    const expected = [...byCreation()].sort(
      (x, y) => Date.parse(y.createdAt) - Date.parse(x.createdAt) || made.indexOf(x) - made.indexOf(y),
    );
    expect(ids(got)).toEqual(ids(expected));
    const asc = await all('sort=createdAt');
    expect(ids(asc)).toEqual(ids(byCreation()));
  });

  it('sorts by expiresAt both ways, ties kept in creation order', async () => {
    const key = (x: Inv) => Date.parse(x.expiresAt!);
    const asc = await all('sort=expiresAt');
    expect(ids(asc)).toEqual(
      ids([...made].sort((x, y) => key(x) - key(y) || made.indexOf(x) - made.indexOf(y))),
    );
    const desc = await all('sort=-expiresAt');
    expect(ids(desc)).toEqual(
      ids([...made].sort((x, y) => key(y) - key(x) || made.indexOf(x) - made.indexOf(y))),
    );
  });

  it('sorts by updatedAt', async () => {
    const got = await all('sort=-updatedAt');
    const fresh = await Promise.all(
      made.map(async (m) => (await a.get(`/v1/invites/${m.id}`)).json() as Inv),
    );
    const key = (x: Inv) => Date.parse(x.updatedAt);
    expect(ids(got)).toEqual(
      ids(
        fresh.sort(
          (x, y) =>
            key(y) - key(x) || made.findIndex((m) => m.id === x.id) - made.findIndex((m) => m.id === y.id),
        ),
      ),
    );
  });

  it('filters by each field and combinations', async () => {
    expect(ids(await all('role=admin&sort=createdAt'))).toEqual(ids(made.filter((_, i) => i % 2 === 0)));
    expect(ids(await all('scopeType=guild&sort=createdAt'))).toEqual(ids(made.slice(0, 6)));
    expect(ids(await all('scopeId=s1&sort=createdAt'))).toEqual(ids(made.filter((_, i) => i % 4 === 1)));
    expect(ids(await all('scopeType=organization&scopeId=s1&sort=createdAt'))).toEqual(
      ids(made.filter((_, i) => i % 4 === 1 && i >= 6)),
    );
    expect(ids(await all('inviterId=boss2&sort=createdAt'))).toEqual(ids(made.filter((_, i) => i % 3 === 2)));
    expect(ids(await all('email=USER4@example.com'))).toEqual([made[4].id]);
    expect(ids(await all('acceptedBy=alice&sort=createdAt'))).toEqual([made[1].id, made[3].id]);
    expect(ids(await all(`code=${made[7].code}`))).toEqual([made[7].id]);
    expect(await all('code=AAAAAAAAAAAA')).toEqual([]);
    expect(ids(await all('status=canceled'))).toEqual([made[4].id]);
    expect(ids(await all('status=accepted,canceled&sort=createdAt'))).toEqual([made[4].id, made[5].id]);
    expect(ids(await all('status=pending&role=member&sort=createdAt'))).toEqual(
      ids(made.filter((_, i) => i % 2 === 1 && i !== 5)),
    );
  });

  it('filters by created and expiry ranges (exclusive bounds)', async () => {
    const t = made[3].createdAt;
    expect(ids(await all(`createdAfter=${t}&sort=createdAt`))).toEqual(ids(made.slice(6)));
    expect(ids(await all(`createdBefore=${t}&sort=createdAt`))).toEqual(ids(made.slice(0, 3)));
    const e = made[0].expiresAt!;
    expect(ids(await all(`expiresBefore=${e}&sort=createdAt`))).toEqual([]);
    const later = made.filter((m) => Date.parse(m.expiresAt!) > Date.parse(e));
    expect(ids(await all(`expiresAfter=${e}&sort=createdAt`))).toEqual(ids(later));
  });

  it('treats pending invites past expiresAt as expired in filters before a sweep', async () => {
    clock.advance(3600 * 1000 + 5000); // the first group of maxAge 1 h has passed
    const expired = made.filter((m, i) => ![4, 5].includes(i) && Date.parse(m.expiresAt!) <= clock.now());
    expect(expired.length).toBe(2);
    const got = await all('status=expired&sort=createdAt');
    expect(ids(got)).toEqual(ids(expired));
    expect(got.every((x) => x.status === 'expired')).toBe(true);
    const pending = await all('status=pending');
    expect(pending.some((p) => ids(got).includes(p.id))).toBe(false);
  });

  it('refuses bad queries with 400 naming the field', async () => {
    for (const [q, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['sort=name', 'sort'],
      ['status=open', 'status'],
      ['createdAfter=yesterday', 'createdAfter'],
      ['after=garbage', 'after'],
      ['unknown=1', 'unknown'],
      [
        `after=${Buffer.from(JSON.stringify({ k: 'expiresAt', s: '1', i: 'x' })).toString('base64url')}`,
        'after',
      ],
    ]) {
      const r = await a.get(`/v1/invites?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(JSON.stringify(r.json().error), q).toContain(field);
    }
  });
});
