import { describe, expect, it } from 'vitest';
import { LAYOUT } from '../../src/invites/layout.js';
import { scanKeys, withHerald } from '../helpers.js';

const t = withHerald();
const a = t.a;

// An open invite (maxUses 0) keeps every use. Its accept reads the earlier uses as text and
// appends to them (lib/codec.lua's decode_open), finding a returning user in the user index:
// the answers must be the ones a full read gives, whatever a user id holds.

type Use = { userId: string | null; email: string | null; at: string };
const accept = (id: string, body: object) => a.post(`/v1/invites/${id}/accept`, body);

async function acceptedEvents(id: string) {
  const out: { data: { invite: { uses: number; acceptedBy: Use[] } } }[] = [];
  let after = '';
  for (;;) {
    const page = (
      await a.get(`/v1/events?type=invite.accepted&inviteId=${id}&limit=100${after ? `&after=${after}` : ''}`)
    ).json();
    out.push(...page.data);
    if (!page.hasMore) return out;
    after = encodeURIComponent(page.nextCursor);
  }
}

describe('an open invite with many uses', () => {
  it('counts each user once, whatever the id holds, and keeps every use in order, in the invite and in each event', async () => {
    const inv = (await a.post('/v1/invites', { maxUses: 0 })).json();
    const ids = [
      'a"b',
      'x]y}',
      'u/1',
      'é-ü',
      '"u":"z"',
      'user-1',
      'user-10',
      'user-1,',
      '\\',
      ...Array.from({ length: 140 }, (_, i) => `n${i}`),
    ];
    const emailOf = (i: number) => (i % 3 === 0 ? `p${i}@open.test` : null);
    for (const [i, userId] of ids.entries()) {
      const r = await accept(inv.id, { userId, ...(emailOf(i) ? { email: emailOf(i) } : {}) });
      expect([userId, r.statusCode]).toEqual([userId, 200]);
    }
    for (const userId of ids) await accept(inv.id, { userId });
    const final = (await a.get(`/v1/invites/${inv.id}`)).json();
    expect(final.uses).toBe(ids.length);
    expect(final.acceptedBy.map((u: Use) => u.userId)).toEqual(ids);
    expect(final.acceptedBy.map((u: Use) => u.email)).toEqual(ids.map((_, i) => emailOf(i)));
    const events = await acceptedEvents(inv.id);
    expect(events.map((e) => e.data.invite.acceptedBy.length)).toEqual(ids.map((_, i) => i + 1));
    expect(events.map((e) => e.data.invite.uses)).toEqual(ids.map((_, i) => i + 1));
    expect(events.at(-1)!.data.invite.acceptedBy).toEqual(final.acceptedBy);
    // The public look-up reads the fields before the uses, and counts them all.
    const pub = await t.h.inject({ method: 'GET', url: `/v1/public/invites/${inv.code}` });
    expect(pub.json()).toMatchObject({ uses: ids.length, maxUses: 0, status: 'pending', valid: true });
    // The event's copy leaves out the code's salt and digest, as every event does.
    const short = LAYOUT.top as Record<string, string>;
    const [key] = await scanKeys(t.h.redis, `*:inv:${inv.id}`);
    const stored = (await t.h.redis.get(key))!.split('\n')[0];
    expect(stored.endsWith('}]}')).toBe(true);
    for (const e of events) expect(Object.keys(e.data.invite)).not.toContain('salt');
    expect(stored).toContain(`"${short.salt}":`);
  });

  it('reads a document whose uses are not its last field the long way, then writes them last', async () => {
    const inv = (await a.post('/v1/invites', { maxUses: 0 })).json();
    for (const userId of ['p', 'q']) await accept(inv.id, { userId });
    const [key] = await scanKeys(t.h.redis, `*:inv:${inv.id}`);
    const [text, ...trail] = (await t.h.redis.get(key))!.split('\n');
    const ab = LAYOUT.top.acceptedBy;
    const { [ab]: uses, ...rest } = JSON.parse(text.slice(1)) as Record<string, unknown>;
    const front = `${text[0]}${JSON.stringify({ [ab]: uses, ...rest })}`;
    await t.h.redis.set(key, [front, ...trail].join('\n'));
    expect(front.endsWith('}]}')).toBe(false);
    const pub = await t.h.inject({ method: 'GET', url: `/v1/public/invites/${inv.code}` });
    expect(pub.json()).toMatchObject({ uses: 2, valid: true });
    await accept(inv.id, { userId: 'q' });
    await accept(inv.id, { userId: 'r' });
    const final = (await a.get(`/v1/invites/${inv.id}`)).json();
    expect([final.uses, final.acceptedBy.map((u: Use) => u.userId)]).toEqual([3, ['p', 'q', 'r']]);
    expect((await t.h.redis.get(key))!.split('\n')[0].endsWith('}]}')).toBe(true);
  });

  it('reaches maxUses through the same path, then refuses', async () => {
    const inv = (await a.post('/v1/invites', { maxUses: 3 })).json();
    for (const userId of ['a', 'b', 'a', 'c']) await accept(inv.id, { userId });
    const r = await accept(inv.id, { userId: 'd' });
    expect([r.statusCode, r.json().error.code]).toEqual([409, 'invite_used']);
    const final = (await a.get(`/v1/invites/${inv.id}`)).json();
    expect([final.status, final.uses, final.acceptedBy.map((u: Use) => u.userId)]).toEqual([
      'accepted',
      3,
      ['a', 'b', 'c'],
    ]);
  });
});
