import { parseDoc } from '../../src/invites/layout.js';
import { partitioning } from '../../src/invites/partitions.js';
import { createStore } from '../../src/invites/store.js';
import { partitionKeys, partitionPrefixes, queuePrefix } from '../../src/keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { api, scanKeys, startHerald, type TestHerald } from '../helpers.js';

let h: TestHerald;
let a: ReturnType<typeof api>;
const clock = manualClock();

beforeAll(async () => {
  h = await startHerald({ clock });
  a = api(h);
});
afterAll(() => h.cleanup());

const scope = { type: 'organization', id: 'acme' };

describe('create', () => {
  it('creates an e-mail invite with every documented key, queued for sending', async () => {
    const r = await a.post('/v1/invites', {
      email: 'Ada@Example.com',
      role: 'admin',
      scope,
      inviter: { id: 'u1', name: 'Grace' },
      metadata: { plan: 'pro', tags: [] },
    });
    expect(r.statusCode).toBe(201);
    const inv = r.json();
    expect(inv.id).toMatch(/^inv_/);
    expect(inv.code).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(inv.url).toBe(`http://localhost:3000/i/${inv.code}`);
    expect(inv).toMatchObject({
      status: 'pending',
      email: 'Ada@Example.com',
      role: 'admin',
      scope,
      inviter: { id: 'u1', name: 'Grace' },
      maxUses: 1,
      uses: 0,
      temporary: false,
      metadata: { plan: 'pro', tags: [] },
      locale: 'en',
      redirectUrl: null,
      batchId: null,
      acceptedBy: [],
      acceptedAt: null,
      canceledAt: null,
      expiredAt: null,
      name: null,
      reminders: [],
      openedAt: null,
      declinedAt: null,
      tenant: 'default',
      templateVersion: null,
    });
    expect(inv.delivery).toEqual({
      status: 'queued',
      attempts: 0,
      sends: 0,
      lastSentAt: null,
      lastError: null,
      messageId: null,
      scheduledFor: null,
    });
    expect(Date.parse(inv.expiresAt) - Date.parse(inv.createdAt)).toBe(604800 * 1000);
    const shard = String(partitioning(h.deliveryShards).ofId(inv.id));
    const job = await h.redis.exists(`${queuePrefix(h.prefix, 'delivery', shard)}:delivery:send.${inv.id}.1`);
    expect(job).toBe(1);
  });

  it('answers 409 with the existing id for a second pending invite to the same address and scope', async () => {
    const first = (await a.post('/v1/invites', { email: 'dup@example.com', scope, send: false })).json();
    const again = await a.post('/v1/invites', { email: 'DUP@example.com', scope });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('invite_exists');
    expect(again.json().error.details[0].id).toBe(first.id);
    const otherScope = await a.post('/v1/invites', {
      email: 'dup@example.com',
      scope: { type: 'organization', id: 'other' },
      send: false,
    });
    expect(otherScope.statusCode).toBe(201);
  });

  it('makes `count` open invites with distinct codes and no e-mail', async () => {
    const r = await a.post('/v1/invites', { count: 5, maxUses: 0, scope: { type: 'guild', id: 'g1' } });
    expect(r.statusCode).toBe(201);
    const { data } = r.json();
    expect(data).toHaveLength(5);
    expect(new Set(data.map((i: { code: string }) => i.code)).size).toBe(5);
    expect(
      data.every(
        (i: { email: null; delivery: { status: string } }) =>
          i.email === null && i.delivery.status === 'none',
      ),
    ).toBe(true);
  });

  it('honours maxAge, maxAge 0 (never) and explicit expiresAt', async () => {
    const m = (await a.post('/v1/invites', { maxAge: 60 })).json();
    expect(Date.parse(m.expiresAt) - Date.parse(m.createdAt)).toBe(60_000);
    expect((await a.post('/v1/invites', { maxAge: 0 })).json().expiresAt).toBeNull();
    const at = new Date(clock.now() + 86_400_000).toISOString();
    expect((await a.post('/v1/invites', { expiresAt: at })).json().expiresAt).toBe(at);
  });

  it.each([
    [{ expiresAt: '2001-01-01T00:00:00Z' }, 'invalid_date', 'expiresAt'],
    [{ expiresAt: 'tomorrow' }, 'invalid_date', 'expiresAt'],
    [{ expiresAt: '2999-02-31T00:00:00Z' }, 'invalid_date', 'expiresAt'],
    [{ email: 'not-an-address' }, 'validation_failed', 'email'],
    [{ email: 'a@b.co', bogus: true }, 'validation_failed', 'bogus'],
    [{ maxUses: -1 }, 'validation_failed', 'maxUses'],
    [{ maxUses: 1.5 }, 'validation_failed', 'maxUses'],
    [{ count: 101 }, 'validation_failed', 'count'],
    [{ count: 0 }, 'validation_failed', 'count'],
    [{ count: 2, email: 'a@b.co' }, 'validation_failed', 'count'],
    [{ role: 'x'.repeat(101) }, 'validation_failed', 'role'],
    [{ role: 'admin\r\nBcc: evil@example.com' }, 'validation_failed', 'role'],
    [{ inviter: { name: 'A\nB' } }, 'validation_failed', 'inviter.name'],
    [{ metadata: [1, 2] }, 'validation_failed', 'metadata'],
    [{ metadata: { big: 'x'.repeat(9000) } }, 'validation_failed', 'metadata'],
    [{ redirectUrl: 'https://evil.example/' }, 'redirect_not_allowed', 'redirectUrl'],
    [{ maxAge: 10, expiresAt: '2999-01-01T00:00:00Z' }, 'validation_failed', 'expiresAt'],
    [{ scope: { type: 'org' } }, 'validation_failed', 'scope.id'],
    [{ send: true }, 'validation_failed', 'send'],
    [{ locale: '../../etc' }, 'validation_failed', 'locale'],
  ])('refuses %j with 400 %s naming %s', async (body, code, field) => {
    const r = await a.post('/v1/invites', body);
    expect(r.statusCode).toBe(400);
    const err = r.json().error;
    expect(err.code).toBe(code);
    expect(typeof err.message).toBe('string');
    expect(JSON.stringify(err.details) + err.message).toContain(field);
  });

  it('refuses bodies that are not JSON objects, prototype pollution and bodies over 1 MiB', async () => {
    const raw = (payload: string, type = 'application/json') =>
      h.inject({
        method: 'POST',
        url: '/v1/invites',
        payload,
        headers: { authorization: `Bearer test-key-0123456789abcdef`, 'content-type': type },
      });
    expect((await raw('{"email": ')).statusCode).toBe(400);
    expect((await raw('[1,2]')).statusCode).toBe(400);
    expect((await raw('"x"')).statusCode).toBe(400);
    expect((await raw('{"__proto__": {"admin": true}}')).statusCode).toBe(400);
    expect((await raw('{"metadata": {"constructor": {"prototype": {"x": 1}}}}')).statusCode).toBe(400);
    const huge = await raw(JSON.stringify({ metadata: { a: 'x'.repeat(1024 * 1024 + 10) } }));
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    expect((await raw('email=a', 'text/plain')).statusCode).toBe(415);
  });
});

describe('auth', () => {
  it('gives the same 401 for a missing, unknown or malformed key, and ignores keys in the query', async () => {
    const bodies = [];
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-key' },
      { authorization: 'Basic dGVzdA==' },
      { authorization: 'Bearer ' },
    ]) {
      const r = await h.inject({ method: 'GET', url: '/v1/invites', headers });
      expect(r.statusCode).toBe(401);
      bodies.push(r.body);
    }
    expect(new Set(bodies).size).toBe(1);
    const q = await h.inject({
      method: 'GET',
      url: '/v1/invites?api_key=test-key-0123456789abcdef&key=test-key-0123456789abcdef',
    });
    expect(q.statusCode).toBe(401);
  });
});

describe('get, patch, cancel, delete, events', () => {
  it('reads by id or by code, and 404s an unknown one', async () => {
    const inv = (await a.post('/v1/invites', { role: 'member' })).json();
    expect((await a.get(`/v1/invites/${inv.id}`)).json().id).toBe(inv.id);
    expect((await a.get(`/v1/invites/${inv.code}`)).json().id).toBe(inv.id);
    const missing = await a.get('/v1/invites/inv_00000000000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('invite_not_found');
    expect((await a.get('/v1/invites/%00%0d%0a')).statusCode).toBe(404);
  });

  it('answers 404 invite_not_found from every route for an unknown id or code', async () => {
    for (const ref of ['inv_00000000000000000000', 'AAAAAAAAAAAA', 'neither']) {
      const answers = [
        await a.patch(`/v1/invites/${ref}`, { role: 'x' }),
        await a.post(`/v1/invites/${ref}/resend`),
        await a.post(`/v1/invites/${ref}/cancel`),
        await a.post(`/v1/invites/${ref}/accept`, { userId: 'u' }),
        await a.del(`/v1/invites/${ref}`),
        await a.get(`/v1/invites/${ref}/events`),
      ];
      for (const r of answers)
        expect([r.statusCode, r.json().error.code], ref).toEqual([404, 'invite_not_found']);
    }
  });

  it('patches a pending invite and records the change with its audit reason', async () => {
    const inv = (await a.post('/v1/invites', { role: 'member', maxUses: 3 })).json();
    const at = new Date(clock.now() + 3 * 86_400_000).toISOString();
    const r = await a.patch(
      `/v1/invites/${inv.id}`,
      { role: 'owner', expiresAt: at, maxUses: 5, metadata: { a: 1 } },
      { 'x-audit-log-reason': 'promoted%20by%20ops' },
    );
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ role: 'owner', expiresAt: at, maxUses: 5, metadata: { a: 1 } });
    const events = (await a.get(`/v1/invites/${inv.id}/events`)).json().data;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['created', 'updated']);
    expect(events[1]).toMatchObject({
      reason: 'promoted by ops',
      fields: ['role', 'expiresAt', 'maxUses', 'metadata'],
    });
    expect((await a.patch(`/v1/invites/${inv.id}`, {})).statusCode).toBe(400);
    expect((await a.patch(`/v1/invites/${inv.id}`, { email: 'x@y.z' })).statusCode).toBe(400);
    expect((await a.patch(`/v1/invites/${inv.id}`, { maxAge: 5 })).json().expiresAt).toBe(
      new Date(clock.now() + 5000).toISOString(),
    );
  });

  it('cancels once (again answers 200), then refuses patch, accept and resend', async () => {
    const inv = (await a.post('/v1/invites', { email: 'c@example.com' })).json();
    const c1 = await a.post(`/v1/invites/${inv.id}/cancel`, undefined, { 'x-audit-log-reason': 'typo' });
    expect(c1.statusCode).toBe(200);
    expect(c1.json().status).toBe('canceled');
    expect(c1.json().canceledAt).not.toBeNull();
    expect((await a.post(`/v1/invites/${inv.id}/cancel`)).statusCode).toBe(200);
    expect((await a.patch(`/v1/invites/${inv.id}`, { role: 'x' })).json().error.code).toBe(
      'invite_not_pending',
    );
    const acc = await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u', email: 'c@example.com' });
    expect([acc.statusCode, acc.json().error.code]).toEqual([409, 'invite_canceled']);
    expect((await a.post(`/v1/invites/${inv.id}/resend`)).statusCode).toBe(409);
    const events = (await a.get(`/v1/invites/${inv.id}/events`)).json().data;
    expect(events.find((e: { type: string }) => e.type === 'canceled').reason).toBe('typo');
    // a new invite to the same address is allowed once the old one is canceled
    expect((await a.post('/v1/invites', { email: 'c@example.com', send: false })).statusCode).toBe(201);
  });

  it('deletes (204, then 404) but refuses to delete an accepted invite', async () => {
    const inv = (await a.post('/v1/invites', {})).json();
    expect((await a.del(`/v1/invites/${inv.id}`)).statusCode).toBe(204);
    expect((await a.get(`/v1/invites/${inv.id}`)).statusCode).toBe(404);
    expect((await a.get(`/v1/public/invites/${inv.code}/validate`)).json()).toEqual({
      valid: false,
      reason: 'not_found',
    });
    const events = (await a.get(`/v1/invites/${inv.id}/events`)).json().data;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['created', 'deleted']);
    const acc = (await a.post('/v1/invites', {})).json();
    await a.post(`/v1/invites/${acc.id}/accept`, { userId: 'u1' });
    const d = await a.del(`/v1/invites/${acc.id}`);
    expect([d.statusCode, d.json().error.code]).toEqual([409, 'invite_accepted']);
  });
});

describe('accept', () => {
  it('binds an e-mail invite to its address, case-insensitively', async () => {
    const inv = (await a.post('/v1/invites', { email: 'Bound@Example.com', send: false })).json();
    const wrong = await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u1', email: 'other@example.com' });
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([403, 'email_mismatch']);
    const none = await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u1' });
    expect(none.statusCode).toBe(403);
    const ok = await a.post(`/v1/invites/${inv.code}/accept`, { userId: 'u1', email: 'bound@example.COM' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      status: 'accepted',
      uses: 1,
      acceptedBy: [{ userId: 'u1', email: 'bound@example.COM' }],
    });
    expect(ok.json().acceptedAt).not.toBeNull();
  });

  it('counts one user once and makes the use that reaches maxUses final', async () => {
    const inv = (await a.post('/v1/invites', { maxUses: 2 })).json();
    expect((await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u1' })).json()).toMatchObject({
      status: 'pending',
      uses: 1,
    });
    expect((await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u1' })).json()).toMatchObject({
      status: 'pending',
      uses: 1,
    });
    expect((await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u2' })).json()).toMatchObject({
      status: 'accepted',
      uses: 2,
    });
    const third = await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u3' });
    expect([third.statusCode, third.json().error.code]).toEqual([409, 'invite_used']);
    const unlimited = (await a.post('/v1/invites', { maxUses: 0 })).json();
    for (let i = 0; i < 5; i++) await a.post(`/v1/invites/${unlimited.id}/accept`, { userId: `x${i}` });
    expect((await a.get(`/v1/invites/${unlimited.id}`)).json()).toMatchObject({ status: 'pending', uses: 5 });
  });

  it('reads a pending invite past expiresAt as expired and refuses to accept it before any sweep', async () => {
    const inv = (await a.post('/v1/invites', { maxAge: 30 })).json();
    clock.advance(31_000);
    const got = (await a.get(`/v1/invites/${inv.id}`)).json();
    expect(got.status).toBe('expired');
    expect(got.expiredAt).toBe(inv.expiresAt);
    const acc = await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'late' });
    expect([acc.statusCode, acc.json().error.code]).toEqual([409, 'invite_expired']);
    expect((await a.post(`/v1/invites/${inv.id}/cancel`)).json().error.code).toBe('invite_expired');
  });

  it('refuses bad accept bodies', async () => {
    const inv = (await a.post('/v1/invites', {})).json();
    for (const body of [
      {},
      { userId: '' },
      { userId: 5 },
      { userId: 'u', extra: 1 },
      { userId: 'u', email: 'nope' },
    ]) {
      const r = await a.post(`/v1/invites/${inv.id}/accept`, body);
      expect(r.statusCode).toBe(400);
    }
  });
});

describe('storage', () => {
  it('keeps an invite under the names src/keys.ts gives (the Lua builds the same ones)', async () => {
    const a = api(h);
    const inv = (
      await a.post('/v1/invites', {
        email: 'names@keys.test',
        scope: { type: 'team', id: 't-names' },
        inviter: { id: 'u-names' },
        send: false,
      })
    ).json();
    const P = partitionPrefixes(h.data, h.partitions)[partitioning(h.partitions).ofId(inv.id)];
    const k = partitionKeys(P);
    const doc = parseDoc((await h.redis.get(k.invite(inv.id)))!, inv.id) as ReturnType<typeof parseDoc> & {
      digest: string;
    };
    expect(doc.email).toBe('names@keys.test');
    expect(await h.redis.hget(k.codes(doc.digest), doc.digest)).toBe(inv.id);
    // The audit trail follows the document in the same key; P:ev:ID is only for deleted invites.
    expect((await h.redis.get(k.invite(inv.id)))!.split('\n').slice(1)).toEqual([
      expect.stringMatching(/^created:[0-9a-z]{8}$/),
      '',
    ]);
    expect(await h.redis.exists(k.audit(inv.id))).toBe(0);
    // Each index holds one entry for the invite, ending with its id after "inv_", in one of its
    // buckets (sorted sets named NAME:b:…).
    const tail = inv.id.slice(4);
    const entries = async (name: string) => {
      const buckets = await scanKeys(h.redis, `${k.index(name)}:b:*`);
      return (await Promise.all(buckets.map((b) => h.redis.zrange(b, 0, -1))))
        .flat()
        .filter((e) => e.endsWith(tail));
    };
    for (const [kind, value] of [
      ['email', 'names@keys.test'],
      ['inviter', 'u-names'],
      ['sid', 't-names'],
    ])
      expect(await entries(kind)).toEqual([`${value.length}:${value}${tail}`]);
    // A pending invite's expiry stands in 'due' (the sweep's queue) and not in 'expires'.
    for (const name of ['created', 'updated', 'due'])
      expect(await entries(name)).toEqual([expect.stringMatching(/^[0-9a-z]{10}/)]);
    expect(await entries('expires')).toEqual([]);
    expect(Number(await h.redis.hget(k.stats, 'created'))).toBeGreaterThan(0);
    expect(await h.redis.xlen(k.events)).toBeGreaterThan(0);
  });

  it('moves a long trail out of the invite (the newest lines stay), and reads it whole, in order', async () => {
    const a = api(h);
    const inv = (await a.post('/v1/invites', { maxUses: 0, send: false })).json();
    for (let i = 0; i < 60; i++) await a.post(`/v1/invites/${inv.id}/accept`, { userId: `trail-user-${i}` });
    const trail = (await a.get(`/v1/invites/${inv.id}/events`)).json().data;
    expect(trail.map((e: { type: string; userId?: string }) => e.userId ?? e.type)).toEqual([
      'created',
      ...Array.from({ length: 60 }, (_, i) => `trail-user-${i}`),
    ]);
    const [key] = await scanKeys(h.redis, `*:inv:${inv.id}`);
    const raw = (await h.redis.get(key))!;
    // ~60 bytes a line: before the trail passed 2 KB its lines went to the trail's own key.
    const nl = raw.indexOf('\n');
    expect(nl < 0 ? 0 : raw.length - nl - 1).toBeLessThanOrEqual(2048);
    expect(await h.redis.strlen(key.replace(':inv:', ':ev:'))).toBeGreaterThan(2048 - 100);
  });

  it('stores short names without nulls or the id its key holds', async () => {
    const a = api(h);
    const inv = (
      await a.post('/v1/invites', { email: 'Old.Names@Layout.test', role: 'admin', send: false })
    ).json();
    const [key] = await scanKeys(h.redis, `*:inv:${inv.id}`);
    const raw = (await h.redis.get(key))!;
    expect(raw[0]).toBe('P');
    const json = (stored: string) => JSON.parse(stored.split('\n')[0].slice(1));
    expect(json(raw)).toMatchObject({ e: 'Old.Names@Layout.test', r: 'admin' });
    expect(json(raw)).not.toHaveProperty('i'); // the key holds the id
    expect(raw).not.toContain('null');
  });

  it("keeps a send's message id once while it is the invite's last, and every one in the trail", async () => {
    const a = api(h);
    const store = createStore(h.redis, h.data, h.partitions);
    const inv = (await a.post('/v1/invites', { email: 'sends@layout.test', send: false })).json();
    const send = (seq: number, outcome: 'sent' | 'failed', info: string) =>
      store.delivery({ now: clock.now(), id: inv.id, seq, outcome, info, batchId: null, kind: 'resend' });
    const sent = async () =>
      (await a.get(`/v1/invites/${inv.id}/events`))
        .json()
        .data.filter((e: { type: string }) => e.type === 'sent')
        .map((e: { messageId: string; seq: number }) => [e.seq, e.messageId]);
    const [key] = await scanKeys(h.redis, `*:inv:${inv.id}`);
    await send(1, 'sent', '<first@sends.test>');
    await send(2, 'sent', '<second@sends.test>');
    await send(3, 'failed', '451 later');
    const lines = (await h.redis.get(key))!.split('\n').filter((l) => l.startsWith('sent:'));
    // The earlier send's line holds its id; the last one's is the invite's.
    expect(lines).toEqual([
      expect.stringContaining('<first@sends.test>'),
      expect.stringMatching(/^sent:[0-9a-z]+ \{"seq":2\}$/),
    ]);
    expect(await sent()).toEqual([
      [1, '<first@sends.test>'],
      [2, '<second@sends.test>'],
    ]);
    // Deleted, the trail leaves the invite with every id written in.
    await a.del(`/v1/invites/${inv.id}`);
    expect(await h.redis.get(key.replace(':inv:', ':ev:'))).toContain('<second@sends.test>');
    expect(await sent()).toEqual([
      [1, '<first@sends.test>'],
      [2, '<second@sends.test>'],
    ]);
  });

  it('stores times in base 36, and its trail lines as <type>:<time>', async () => {
    const a = api(h);
    const inv = (await a.post('/v1/invites', { email: 'times@layout.test', send: false })).json();
    const [key] = await scanKeys(h.redis, `*:inv:${inv.id}`);
    const raw = (await h.redis.get(key))!;
    const [doc, ...trail] = raw.split('\n');
    const stored = JSON.parse(doc.slice(1));
    expect(stored.c).toMatch(/^[0-9a-z]{8}$/);
    expect(parseInt(stored.c, 36)).toBe(Date.parse(inv.createdAt));
    expect(parseInt(stored.x, 36)).toBe(Date.parse(inv.expiresAt));
    expect(trail[0]).toMatch(/^created:[0-9a-z]{8}$/);
    expect(parseInt(trail[0].slice(8), 36)).toBe(Date.parse(inv.createdAt));
  });
});

describe('resend', () => {
  it('answers 409 for an invite with no e-mail, and 429 with Retry-After within the cooldown', async () => {
    const open = (await a.post('/v1/invites', {})).json();
    const r = await a.post(`/v1/invites/${open.id}/resend`);
    expect([r.statusCode, r.json().error.code]).toEqual([409, 'invite_has_no_email']);
    const inv = (await a.post('/v1/invites', { email: 'cool@example.com' })).json();
    const soon = await a.post(`/v1/invites/${inv.id}/resend`);
    expect(soon.statusCode).toBe(429);
    expect(Number(soon.headers['retry-after'])).toBeGreaterThan(0);
    clock.advance(61_000);
    const later = await a.post(`/v1/invites/${inv.id}/resend`, { rotateCode: true, maxAge: 3600 });
    expect(later.statusCode).toBe(202);
    expect(later.json().code).not.toBe(inv.code);
    expect(Date.parse(later.json().expiresAt)).toBe(clock.now() + 3_600_000);
    expect((await a.get(`/v1/public/invites/${inv.code}/validate`)).json()).toEqual({
      valid: false,
      reason: 'not_found',
    });
    expect((await a.get(`/v1/public/invites/${later.json().code}/validate`)).json().valid).toBe(true);
  });
});

describe('idempotency', () => {
  it('replays the first answer, refuses another body with 422, and yields one result under concurrency', async () => {
    const key = { 'idempotency-key': `k-${Math.random()}` };
    const body = { email: 'idem@example.com', send: false };
    const results = await Promise.all(Array.from({ length: 8 }, () => a.post('/v1/invites', body, key)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    const other = await a.post('/v1/invites', { email: 'other-idem@example.com' }, key);
    expect([other.statusCode, other.json().error.code]).toEqual([422, 'idempotency_key_reused']);
    const bulkKey = { 'idempotency-key': 'bulk-1' };
    const b1 = await a.post('/v1/invites/send', { emails: ['i1@example.com'] }, bulkKey);
    const b2 = await a.post('/v1/invites/send', { emails: ['i1@example.com'] }, bulkKey);
    expect(b2.json().batchId).toBe(b1.json().batchId);
  });
});

describe('bulk intake', () => {
  it('folds duplicates case-insensitively and answers 202 with the batch', async () => {
    const r = await a.post('/v1/invites/send', {
      emails: ['a@x.com', 'A@X.com', 'b@x.com'],
      role: 'member',
      scope,
    });
    expect(r.statusCode).toBe(202);
    expect(r.json().total).toBe(2);
    const batch = await a.get(`/v1/batches/${r.json().batchId}`);
    expect(batch.json()).toMatchObject({
      id: r.json().batchId,
      status: 'queued',
      total: 2,
      created: 0,
      sent: 0,
      failed: 0,
      finishedAt: null,
    });
    expect((await a.get('/v1/batches/bat_nope')).statusCode).toBe(404);
  });

  it('lists every invalid address and enqueues nothing', async () => {
    const before = (await scanKeys(h.redis, `${h.data}:batch:*`)).sort(); // KEYS has no order
    const r = await a.post('/v1/invites/send', {
      emails: ['ok@x.com', 'bad', 'also bad@x', 'ok2@x.com', 'x@y\r\nBcc: z@z.com'],
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('invalid_emails');
    expect(r.json().error.details.map((d: { field: string }) => d.field)).toEqual([
      'emails[1]',
      'emails[2]',
      'emails[4]',
    ]);
    expect((await scanKeys(h.redis, `${h.data}:batch:*`)).sort()).toEqual(before);
  });

  it('refuses more than BULK_MAX addresses and an empty list', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => `u${i}@example.com`);
    expect((await a.post('/v1/invites/send', { emails: many })).statusCode).toBe(400);
    expect((await a.post('/v1/invites/send', { emails: [] })).statusCode).toBe(400);
    expect((await a.post('/v1/invites/send', { emails: 'one@example.com' })).statusCode).toBe(202);
  });
});

describe('operations', () => {
  it('serves health, metrics, the OpenAPI document and JSON 404s', async () => {
    expect((await h.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const metrics = await h.inject({ method: 'GET', url: '/metrics' });
    expect([metrics.statusCode, metrics.json().error.code]).toEqual([404, 'route_not_found']);
    const doc = (await h.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/invites',
        '/v1/invites/send',
        '/v1/invites/{id}/accept',
        '/v1/public/invites/{code}',
      ]),
    );
    expect((await h.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
    const nf = await h.inject({ method: 'GET', url: '/nope' });
    expect([nf.statusCode, nf.json().error.code]).toEqual([404, 'route_not_found']);
    const sweep = await a.post('/v1/sweeps/expire');
    expect(sweep.statusCode).toBe(202);
    expect(sweep.json().jobId).toBeTruthy();
  });

  it('readyz answers 503 when no worker is consuming', async () => {
    const r = await h.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json().error.code).toBe('not_ready');
  });
});
