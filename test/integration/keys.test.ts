import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asKey, startHerald, TEST_KEY, type KeyCall, type TestHerald } from '../helpers.js';

let h: TestHerald;
beforeAll(async () => {
  h = await startHerald();
});
afterAll(() => h.cleanup());

type Call = KeyCall;
const as = (key: string, c: Call, via = h) => asKey(via, key, c);
const op = (c: Call) => as(TEST_KEY, c);
async function newKey(body: object, by = TEST_KEY) {
  const r = await as(by, { method: 'POST', url: '/v1/keys', body });
  expect(r.statusCode).toBe(201);
  return r.json() as { id: string; secret: string; scopes: string[] };
}
const org = (id: string) => ({ type: 'organization', id });

describe('API keys and scopes (DESIGN §15)', () => {
  it('shows a secret once, lists keys without it, and answers self', async () => {
    const k = await newKey({ name: 'reader', scopes: ['invites:read'] });
    expect(k.secret).toMatch(/^hk_[A-Za-z0-9_-]{32,}$/);
    expect(k).toMatchObject({
      id: expect.stringMatching(/^key_/),
      tenant: 'default',
      scopeIds: null,
      expiresAt: null,
    });
    const list = (await op({ method: 'GET', url: '/v1/keys' })).json().data;
    expect(list.find((x: { id: string }) => x.id === k.id)).toMatchObject({
      name: 'reader',
      scopes: ['invites:read'],
    });
    expect(JSON.stringify(list)).not.toContain(k.secret);
    expect(JSON.stringify(await h.redis.hgetall(`${h.data}:keys`))).not.toContain(k.secret);
    const self = (await as(k.secret, { method: 'GET', url: '/v1/keys/self' })).json();
    expect(self).toMatchObject({ id: k.id, name: 'reader' });
    expect(self.secret).toBeUndefined();
    expect(self.lastUsedAt).not.toBeNull();
  });

  it('enforces scopes with 403 insufficient_scope naming the scope; write implies read and propose', async () => {
    const reader = await newKey({ name: 'r', scopes: ['invites:read'] });
    const writer = await newKey({ name: 'w', scopes: ['invites:write'] });
    const create = (key: string) => as(key, { method: 'POST', url: '/v1/invites', body: { send: false } });
    const refused = await create(reader.secret);
    expect([refused.statusCode, refused.json().error]).toEqual([
      403,
      expect.objectContaining({ code: 'insufficient_scope', details: [{ scope: 'invites:propose' }] }),
    ]);
    expect((await as(reader.secret, { method: 'GET', url: '/v1/invites' })).statusCode).toBe(200);
    const made = await create(writer.secret);
    expect([made.statusCode, made.json().status]).toEqual([201, 'pending']);
    expect((await as(writer.secret, { method: 'GET', url: '/v1/events' })).json().error.code).toBe(
      'insufficient_scope',
    );
    expect((await as(writer.secret, { method: 'GET', url: '/v1/webhooks' })).statusCode).toBe(403);
    expect(
      (
        await as(writer.secret, {
          method: 'POST',
          url: '/v1/keys',
          body: { name: 'x', scopes: ['invites:read'] },
        })
      ).statusCode,
    ).toBe(403);
  });

  it('a key with invites:propose alone proposes: its invites wait for approval', async () => {
    const proposer = await newKey({ name: 'p', scopes: ['invites:propose'] });
    const r = await as(proposer.secret, {
      method: 'POST',
      url: '/v1/invites',
      body: { email: 'prop@keys.test' },
    });
    expect([r.statusCode, r.json().status]).toEqual([201, 'pending_approval']);
    expect(
      (await as(proposer.secret, { method: 'POST', url: `/v1/invites/${r.json().id}/approve` })).statusCode,
    ).toBe(403);
    expect((await op({ method: 'POST', url: `/v1/invites/${r.json().id}/approve` })).json().status).toBe(
      'pending',
    );
  });

  it('never lets a key give more than it holds (scope_escalation)', async () => {
    const manager = await newKey({
      name: 'm',
      scopes: ['keys:manage', 'invites:read'],
      scopeIds: ['organization:a'],
    });
    const ask = (body: object) => as(manager.secret, { method: 'POST', url: '/v1/keys', body });
    for (const body of [
      { name: 'x', scopes: ['invites:write'], scopeIds: ['organization:a'] },
      { name: 'x', scopes: ['*'], scopeIds: ['organization:a'] },
      { name: 'x', scopes: ['invites:read'] },
      { name: 'x', scopes: ['invites:read'], scopeIds: ['organization:b'] },
    ]) {
      const r = await ask(body);
      expect([JSON.stringify(body), r.statusCode, r.json().error.code]).toEqual([
        JSON.stringify(body),
        403,
        'scope_escalation',
      ]);
    }
    expect(
      (await ask({ name: 'ok', scopes: ['invites:read'], scopeIds: ['organization:a'] })).statusCode,
    ).toBe(201);
  });

  it('a key with scopeIds creates, reads and lists only those scopes', async () => {
    const scoped = await newKey({ name: 's', scopes: ['invites:write'], scopeIds: ['organization:acme'] });
    const mine = await as(scoped.secret, {
      method: 'POST',
      url: '/v1/invites',
      body: { scope: org('acme'), send: false },
    });
    expect(mine.statusCode).toBe(201);
    for (const body of [{ scope: org('other'), send: false }, { send: false }]) {
      const r = await as(scoped.secret, { method: 'POST', url: '/v1/invites', body });
      expect([r.statusCode, r.json().error.code]).toEqual([403, 'scope_not_allowed']);
    }
    const theirs = (
      await op({ method: 'POST', url: '/v1/invites', body: { scope: org('other'), send: false } })
    ).json();
    expect((await as(scoped.secret, { method: 'GET', url: `/v1/invites/${theirs.id}` })).statusCode).toBe(
      404,
    );
    expect(
      (await as(scoped.secret, { method: 'POST', url: `/v1/invites/${theirs.id}/cancel` })).statusCode,
    ).toBe(404);
    expect(
      (await as(scoped.secret, { method: 'GET', url: `/v1/invites/${mine.json().id}` })).statusCode,
    ).toBe(200);
    const listed = (await as(scoped.secret, { method: 'GET', url: '/v1/invites?limit=100' })).json().data;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((i: { scope: { id: string } }) => i.scope?.id === 'acme')).toBe(true);
    expect(
      (
        await as(scoped.secret, { method: 'GET', url: '/v1/invites?scopeId=other&scopeType=organization' })
      ).json().data,
    ).toEqual([]);
    // Stats and the feed show its scopes only.
    const created = async (key: string, q = '') =>
      (await as(key, { method: 'GET', url: `/v1/stats${q}` })).json().totals.created as number;
    const acme = '?scopeType=organization&scopeId=acme';
    expect(await created(scoped.secret)).toBe(await created(TEST_KEY, acme));
    expect(await created(scoped.secret)).toBeLessThan(await created(TEST_KEY));
    expect(await created(scoped.secret, acme)).toBe(await created(TEST_KEY, acme));
    const other = await as(scoped.secret, {
      method: 'GET',
      url: '/v1/stats?scopeType=organization&scopeId=other',
    });
    expect([other.statusCode, other.json().error.code]).toEqual([403, 'scope_not_allowed']);
    const reader = await newKey({
      name: 'r',
      scopes: ['events:read'],
      scopeIds: ['organization:acme'],
    });
    const seen = (await as(reader.secret, { method: 'GET', url: '/v1/events?limit=100' })).json().data;
    const ofInvites = (await op({ method: 'GET', url: '/v1/events?limit=100' })).json().data;
    const idsOf = (es: { data: { invite?: { id: string } } }[]) => es.map((e) => e.data.invite?.id);
    expect(idsOf(seen)).toContain(mine.json().id);
    expect(idsOf(seen)).not.toContain(theirs.id);
    expect(idsOf(ofInvites)).toContain(theirs.id);
  });

  it('checks Herald-Tenant; unknown, malformed, expired and revoked keys get the same 401', async () => {
    const k = await newKey({ name: 't', scopes: ['*'] });
    const read = (key: string, headers?: Record<string, string>) =>
      as(key, { method: 'GET', url: '/v1/invites', headers });
    expect((await read(k.secret, { 'herald-tenant': 'default' })).statusCode).toBe(200);
    expect((await read(k.secret, { 'herald-tenant': 'other' })).json().error.code).toBe('insufficient_scope');
    expect((await read(TEST_KEY, { 'herald-tenant': 'nope' })).json().error).toMatchObject({
      code: 'tenant_not_found',
    });
    const expiring = await newKey({
      name: 'e',
      scopes: ['*'],
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect((await read(expiring.secret)).statusCode).toBe(200);
    expect(
      (
        await op({
          method: 'POST',
          url: '/v1/keys',
          body: { name: 'p', scopes: ['*'], expiresAt: '2020-01-01T00:00:00Z' },
        })
      ).statusCode,
    ).toBe(400);
    await new Promise((r) => setTimeout(r, 1600));
    const bodies = [];
    for (const key of [expiring.secret, 'hk_' + 'x'.repeat(43), 'nope', k.secret.slice(0, -1)]) {
      const r = await read(key);
      bodies.push([r.statusCode, r.json()]);
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0][0]).toBe(401);
  });

  it('a revoked key is refused by every API process within 1 s', async () => {
    const other = await startHerald({ prefix: h.prefix });
    try {
      const k = await newKey({ name: 'gone', scopes: ['invites:read'] });
      const read = (via: TestHerald) => as(k.secret, { method: 'GET', url: '/v1/invites' }, via);
      expect((await read(other)).statusCode).toBe(200); // now cached there
      expect((await op({ method: 'DELETE', url: `/v1/keys/${k.id}` })).statusCode).toBe(204);
      expect((await op({ method: 'DELETE', url: `/v1/keys/${k.id}` })).statusCode).toBe(404);
      const t0 = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - t0 < 3000) {
        status = (await read(other)).statusCode;
        if (status === 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(401);
      expect(Date.now() - t0).toBeLessThanOrEqual(1100);
    } finally {
      await other.close();
      await other.redis.quit();
    }
  });
});

describe('every route states its scope', () => {
  it('is public or names x-required-scope in the OpenAPI document', async () => {
    const doc = (await h.inject({ method: 'GET', url: '/openapi.json' })).json();
    const missing: string[] = [];
    for (const [path, methods] of Object.entries(
      doc.paths as Record<string, Record<string, { security?: unknown[]; 'x-required-scope'?: string }>>,
    ))
      for (const [method, o] of Object.entries(methods)) {
        const isPublic = Array.isArray(o.security) && o.security.length === 0;
        if (!isPublic && !o['x-required-scope'] && path !== '/v1/keys/self')
          missing.push(`${method} ${path}`);
      }
    expect(missing).toEqual([]);
    expect(doc.paths['/v1/invites'].post['x-required-scope']).toBe('invites:propose');
    expect(doc.paths['/v1/webhooks'].get['x-required-scope']).toBe('webhooks:manage');
  });
});
