import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHerald, type TestHerald } from '../helpers.js';

let h: TestHerald;
let h2: TestHerald;
let a: ReturnType<typeof api>;
let b: ReturnType<typeof api>;

beforeAll(async () => {
  h = await startHerald();
  // A second app on its own connections, same store: two API processes racing.
  h2 = await startHerald({ prefix: h.prefix });
  a = api(h);
  b = api(h2);
});
afterAll(async () => {
  await h2.close();
  await h2.redis.quit();
  await h.cleanup();
});

describe('atomic transitions', () => {
  it('60 concurrent accepts on a maxUses 5 invite succeed exactly 5 times', async () => {
    const inv = (await a.post('/v1/invites', { maxUses: 5 })).json();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? a : b).post(`/v1/invites/${inv.id}/accept`, { userId: `user-${i}` }),
      ),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(5);
    expect(codes.filter((c) => c === 409)).toHaveLength(55);
    expect(
      results.filter((r) => r.statusCode === 409).every((r) => r.json().error.code === 'invite_used'),
    ).toBe(true);
    const final = (await a.get(`/v1/invites/${inv.id}`)).json();
    expect(final).toMatchObject({ status: 'accepted', uses: 5 });
    expect(final.acceptedBy).toHaveLength(5);
    const accepted = (await a.get(`/v1/invites/${inv.id}/events`))
      .json()
      .data.filter((e: { type: string }) => e.type === 'accepted');
    expect(accepted).toHaveLength(5);
  });

  it('the same user accepting many times at once counts once', async () => {
    const inv = (await a.post('/v1/invites', { maxUses: 3 })).json();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).post(`/v1/invites/${inv.id}/accept`, { userId: 'same' }),
      ),
    );
    expect((await a.get(`/v1/invites/${inv.id}`)).json()).toMatchObject({ status: 'pending', uses: 1 });
  });

  it('accept racing cancel leaves exactly one terminal state, every time', async () => {
    for (let round = 0; round < 30; round++) {
      const inv = (await a.post('/v1/invites', {})).json();
      const [acc, can] = await Promise.all([
        a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u' }),
        b.post(`/v1/invites/${inv.id}/cancel`),
      ]);
      const final = (await a.get(`/v1/invites/${inv.id}`)).json();
      if (final.status === 'accepted') {
        expect(acc.statusCode).toBe(200);
        expect(can.statusCode).toBe(409);
        expect(final.canceledAt).toBeNull();
      } else {
        expect(final.status).toBe('canceled');
        expect(can.statusCode).toBe(200);
        expect(acc.statusCode).toBe(409);
        expect(final.uses).toBe(0);
        expect(final.acceptedAt).toBeNull();
      }
    }
  });

  it('concurrent creates for one address and scope store one pending invite', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).post('/v1/invites', {
          email: 'race@example.com',
          scope: { type: 'team', id: 't' },
          send: false,
        }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const winner = results.find((r) => r.statusCode === 201)!.json().id;
    expect(
      results.filter((r) => r.statusCode === 409).every((r) => r.json().error.details[0].id === winner),
    ).toBe(true);
  });
});
