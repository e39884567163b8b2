import { describe, expect, it } from 'vitest';
import { withHerald } from '../helpers.js';

const t = withHerald();
const a = t.a;

type Ev = { id: string; type: string; timestamp: string; data: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Reads the feed from `after` to its end, `limit` at a time; returns the events and the last cursor. */
async function drain(after: string | undefined, limit: number, query = '') {
  const seen: Ev[] = [];
  let cursor = after;
  for (;;) {
    const r = await a.get(`/v1/events?limit=${limit}${cursor ? `&after=${cursor}` : ''}${query}`);
    expect(r.statusCode).toBe(200);
    const page = r.json();
    seen.push(...page.data);
    expect(typeof page.nextCursor).toBe('string');
    cursor = page.nextCursor;
    if (!page.hasMore) return { seen, cursor: cursor! };
  }
}

describe('the event feed', () => {
  it('records every change in order, with the invite as it was and never its code or URL', async () => {
    const start = (await a.get('/v1/events?limit=100')).json();
    const inv = (await a.post('/v1/invites', { email: 'feed@example.com', send: false, role: 'r1' })).json();
    await a.post(
      `/v1/invites/${inv.id}/accept`,
      { userId: 'u1', email: 'feed@example.com' },
      { 'x-audit-log-reason': 'joined' },
    );
    const open = (await a.post('/v1/invites', { send: false })).json();
    await a.post(`/v1/invites/${open.id}/cancel`);
    await a.del(`/v1/invites/${open.id}`);

    const { seen } = await drain(start.nextCursor, 2);
    expect(seen.map((e) => [e.type, e.data.invite.id])).toEqual([
      ['invite.created', inv.id],
      ['invite.accepted', inv.id],
      ['invite.created', open.id],
      ['invite.canceled', open.id],
      ['invite.deleted', open.id],
    ]);
    const [created, accepted] = seen;
    expect(created.data.invite.status).toBe('pending');
    expect(accepted.data).toMatchObject({ reason: 'joined', invite: { status: 'accepted', uses: 1 } });
    expect(accepted.id).toMatch(/^evt_/);
    expect(Date.parse(accepted.timestamp)).toBeGreaterThan(0);
    for (const e of seen) {
      expect(e.data.invite).not.toHaveProperty('code');
      expect(e.data.invite).not.toHaveProperty('url');
      expect(JSON.stringify(e)).not.toContain(inv.code);
    }
  });

  it('pages with a cursor that never goes null, filters by type and invite, and refuses bad cursors', async () => {
    const { cursor: end } = await drain(undefined, 100);
    const empty = (await a.get(`/v1/events?after=${end}`)).json();
    expect(empty).toEqual({ data: [], hasMore: false, nextCursor: end });

    const one = (await a.post('/v1/invites', { email: 'filter@example.com', send: false })).json();
    await a.post('/v1/invites', { send: false });
    await a.post(`/v1/invites/${one.id}/cancel`);
    const byType = await drain(end, 1, '&type=invite.canceled');
    expect(byType.seen.map((e) => e.data.invite.id)).toEqual([one.id]);
    const byInvite = await drain(end, 10, `&inviteId=${one.id}`);
    expect(byInvite.seen.map((e) => e.type)).toEqual(['invite.created', 'invite.canceled']);
    // a cursor is a position in the whole feed: one from a filtered read works unfiltered
    expect((await drain(byType.cursor, 10)).seen).toEqual([]);

    for (const bad of ['nope', 'cur_zzzzzzzzzz_0', 'evt_1_0', "cur_1_0'"]) {
      const r = await a.get(`/v1/events?after=${encodeURIComponent(bad)}`);
      expect([bad, r.statusCode, r.json().error.code]).toEqual([bad, 400, 'invalid_cursor']);
    }
    expect((await a.get('/v1/events?type=invite.nothing')).statusCode).toBe(400);
    expect((await a.get('/v1/events?limit=101')).statusCode).toBe(400);
    expect((await t.h.inject({ method: 'GET', url: '/v1/events' })).statusCode).toBe(401);
  });

  it('under concurrent writers, a poller sees every event exactly once and in order', async () => {
    const { cursor } = await drain(undefined, 100);
    let done = false;
    const polled: Ev[] = [];
    const poller = (async () => {
      let c = cursor;
      for (;;) {
        const finished = done;
        const page = (await a.get(`/v1/events?limit=7&after=${c}`)).json();
        polled.push(...page.data);
        c = page.nextCursor;
        if (finished && !page.hasMore) return;
      }
    })();
    const writers = Array.from({ length: 40 }, async (_, i) => {
      const inv = (await a.post('/v1/invites', { email: `c${i}@concurrent.test`, send: false })).json();
      await a.post(
        `/v1/invites/${inv.id}/${i % 2 ? 'cancel' : 'accept'}`,
        i % 2 ? undefined : { userId: `u${i}`, email: `c${i}@concurrent.test` },
      );
    });
    await Promise.all(writers);
    done = true;
    await poller;
    const { seen: truth } = await drain(cursor, 100);
    expect(truth).toHaveLength(80);
    expect(polled.map((e) => e.id)).toEqual(truth.map((e) => e.id));
    expect(new Set(polled.map((e) => e.id)).size).toBe(80);
  });
});
