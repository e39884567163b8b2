import { describe, expect, it } from 'vitest';
import { api, asKey, heraldWithTenant, TEST_KEY, waitFor, waitForInvite } from '../helpers.js';

// Unsubscribes and erasure per tenant, bounces shared (DESIGN §15, §11, §18).
const attempts = new Map<string, number>();
const suite = heraldWithTenant({
  tenant: 'umbrella',
  decide: (to) => {
    attempts.set(to[0], (attempts.get(to[0]) ?? 0) + 1);
    return to[0].startsWith('hard') ? { code: 550, message: '5.1.1 No such user here' } : null;
  },
});
const op = suite.op;
const U = 'umbrella';
let n = 0; // a scope per invite: one pending invite per (address, scope)
const invite = async (email: string, tenant?: string, send = true) => {
  const scope = { type: 'org', id: `o${++n}` };
  const r = await op({ method: 'POST', url: '/v1/invites', body: { email, send, scope }, tenant });
  expect(r.statusCode).toBe(201);
  return r.json() as { id: string };
};
const entry = async (email: string, tenant?: string) => {
  const r = await op({ method: 'GET', url: `/v1/suppressions/${email}`, tenant });
  return r.statusCode === 200 ? (r.json().reason as string) : r.statusCode;
};
const listed = async (tenant?: string) =>
  (await op({ method: 'GET', url: '/v1/suppressions?limit=100', tenant }))
    .json()
    .data.map((s: { email: string }) => s.email) as string[];
const delivery = (id: string, tenant: string | undefined, status: string) =>
  waitForInvite(
    { get: (url: string) => op({ method: 'GET', url, tenant }) } as ReturnType<typeof api>,
    id,
    (i) => i.delivery.status === status,
    status,
  );

describe('suppressions per tenant', () => {
  it('an unsubscribe holds in its tenant only; a bounce holds in every tenant', async () => {
    await invite('reader@tenants.test', U);
    const m = await waitFor(
      () => suite.sink.messages.find((x) => x.to.includes('reader@tenants.test')),
      15_000,
    );
    const link = m!.mail.headers.find((x) => x.key === 'list-unsubscribe')!.value as string;
    const token = /\/u\/([A-Za-z0-9_-]+)>$/.exec(link)![1];
    expect((await suite.h.inject({ method: 'POST', url: `/u/${token}` })).statusCode).toBe(200);
    expect([await entry('reader@tenants.test', U), await entry('reader@tenants.test')]).toEqual([
      'unsubscribe',
      404,
    ]);
    expect(await listed(U)).toContain('reader@tenants.test');
    expect(await listed()).not.toContain('reader@tenants.test');
    // The default tenant still mails the address; the tenant it unsubscribed from does not.
    await delivery((await invite('reader@tenants.test')).id, undefined, 'sent');
    await delivery((await invite('reader@tenants.test', U)).id, U, 'suppressed');

    // A 550 in one tenant suppresses the address for all of them, listed only where it bounced.
    await delivery((await invite('hard@tenants.test', U)).id, U, 'failed');
    expect([await entry('hard@tenants.test', U), await entry('hard@tenants.test')]).toEqual([
      'bounce',
      'bounce',
    ]);
    expect(await listed(U)).toContain('hard@tenants.test');
    expect(await listed()).not.toContain('hard@tenants.test');
    const before = attempts.get('hard@tenants.test');
    await delivery((await invite('hard@tenants.test')).id, undefined, 'suppressed');
    expect(attempts.get('hard@tenants.test')).toBe(before);
    // Lifting the bounce in default lifts the shared one; the tenant's own entry stays.
    expect((await op({ method: 'DELETE', url: '/v1/suppressions/hard@tenants.test' })).statusCode).toBe(204);
    expect([await entry('hard@tenants.test', U), await entry('hard@tenants.test')]).toEqual(['bounce', 404]);

    // A manual entry and its event stay in their tenant.
    const put = await op({ method: 'PUT', url: '/v1/suppressions/manual@tenants.test' });
    expect(put.statusCode).toBe(201);
    expect(await entry('manual@tenants.test', U)).toBe(404);
    const emailsOf = async (tenant?: string) =>
      (await op({ method: 'GET', url: '/v1/events?limit=100', tenant }))
        .json()
        .data.filter((e: { type: string }) => e.type === 'suppression.created')
        .map((e: { data: { suppression: { email: string } } }) => e.data.suppression.email);
    expect(await emailsOf()).toContain('manual@tenants.test');
    expect(await emailsOf()).not.toContain('reader@tenants.test');
    expect(await emailsOf(U)).toEqual(expect.arrayContaining(['reader@tenants.test', 'hard@tenants.test']));
    expect(await emailsOf(U)).not.toContain('manual@tenants.test');
  });

  it('an erasure by a tenant removes its own only; an operator erases from every tenant', async () => {
    const mine = await invite('gone@tenants.test', U, false);
    const theirs = await invite('gone@tenants.test', undefined, false);
    await op({ method: 'PUT', url: '/v1/suppressions/gone@tenants.test', tenant: U });
    await op({ method: 'PUT', url: '/v1/suppressions/gone@tenants.test' });
    const key = (
      await op({ method: 'POST', url: '/v1/keys', body: { name: 'w', scopes: ['invites:write'] }, tenant: U })
    ).json().secret as string;
    const erase = (k: string, body: object) =>
      asKey(suite.h, k, { method: 'POST', url: '/v1/erasures', body });
    const all = await erase(key, { email: 'gone@tenants.test', allTenants: true });
    expect([all.statusCode, all.json().error.code]).toEqual([403, 'insufficient_scope']);

    const r = await erase(key, { email: 'GONE@tenants.test' });
    expect([r.statusCode, r.json().invites]).toEqual([200, 1]);
    expect((await op({ method: 'GET', url: `/v1/invites/${mine.id}`, tenant: U })).statusCode).toBe(404);
    expect((await op({ method: 'GET', url: `/v1/invites/${theirs.id}` })).statusCode).toBe(200);
    // Its entry is a digest now: not listed, still honoured; default's entry is untouched.
    expect([await entry('gone@tenants.test', U), await entry('gone@tenants.test')]).toEqual([404, 'manual']);
    await delivery((await invite('gone@tenants.test', U)).id, U, 'suppressed');

    const every = await erase(TEST_KEY, { email: 'gone@tenants.test', allTenants: true });
    expect([every.statusCode, every.json().invites]).toEqual([200, 2]);
    expect((await op({ method: 'GET', url: `/v1/invites/${theirs.id}` })).statusCode).toBe(404);
    expect(await entry('gone@tenants.test')).toBe(404);
  });
});
