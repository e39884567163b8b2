import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asKey, startHerald, TEST_KEY, type KeyCall, type TestHerald } from '../helpers.js';

// The console per tenant (DESIGN §15): an operator switches; a tenant key with * sees its own.
let h: TestHerald;
beforeAll(async () => {
  h = await startHerald();
  await op({ method: 'POST', url: '/v1/tenants', body: { id: 'soylent', name: 'Soylent' } });
});
afterAll(() => h.cleanup());

const op = (c: KeyCall) => asKey(h, TEST_KEY, c);
const same = { 'sec-fetch-site': 'same-origin' };
const form = { ...same, 'content-type': 'application/x-www-form-urlencoded' };
const signIn = async (key: string) => {
  const r = await h.inject({
    method: 'POST',
    url: '/console/sign-in',
    headers: form,
    payload: `key=${encodeURIComponent(key)}`,
  });
  return { status: r.statusCode, cookie: String(r.headers['set-cookie']).split(';')[0] };
};
const get = (cookie: string, url: string) => h.inject({ method: 'GET', url, headers: { ...same, cookie } });
const invite = async (email: string, tenant?: string) =>
  (await op({ method: 'POST', url: '/v1/invites', body: { email, send: false }, tenant })).json() as {
    id: string;
  };

describe('the console per tenant', () => {
  it('an operator switches tenants and sees only the chosen one', async () => {
    const theirs = await invite('green@soylent.test', 'soylent');
    const home = await invite('home@default.test');
    const { cookie } = await signIn(TEST_KEY);
    const first = await get(cookie, '/console/invites');
    expect(first.body).toContain('<select id="tenant" name="tenant">');
    expect(first.body).toContain('home@default.test');
    expect(first.body).not.toContain('green@soylent.test');
    expect((await get(cookie, `/console/invites/${theirs.id}`)).statusCode).toBe(404);

    const switched = await h.inject({
      method: 'POST',
      url: '/console/tenant',
      headers: { ...form, cookie },
      payload: 'tenant=soylent',
    });
    expect([switched.statusCode, switched.headers.location]).toEqual([303, '/console']);
    const after = await get(cookie, '/console/invites');
    expect(after.body).toContain('green@soylent.test');
    expect(after.body).not.toContain('home@default.test');
    expect(after.body).toContain('<option selected>soylent</option>');
    expect((await get(cookie, `/console/invites/${theirs.id}`)).statusCode).toBe(200);
    expect((await get(cookie, `/console/invites/${home.id}`)).statusCode).toBe(404);
    const nope = await h.inject({
      method: 'POST',
      url: '/console/tenant',
      headers: { ...form, cookie },
      payload: 'tenant=nope',
    });
    expect(nope.statusCode).toBe(403);
  });

  it('a tenant key with * signs in to its own tenant only; others are refused; revoking ends it', async () => {
    const key = async (scopes: string[]) =>
      (await op({ method: 'POST', url: '/v1/keys', body: { name: 'c', scopes }, tenant: 'soylent' })).json();
    const reader = await key(['invites:read']);
    expect((await signIn(reader.secret)).status).toBe(401);
    const star = await key(['*']);
    const { status, cookie } = await signIn(star.secret);
    expect(status).toBe(303);
    const page = await get(cookie, '/console/invites');
    expect(page.body).toContain('Tenant <strong>soylent</strong>');
    expect(page.body).not.toContain('<select id="tenant"');
    expect(page.body).not.toContain('home@default.test');
    const refused = await h.inject({
      method: 'POST',
      url: '/console/tenant',
      headers: { ...form, cookie },
      payload: 'tenant=default',
    });
    expect(refused.statusCode).toBe(403);
    await op({ method: 'DELETE', url: `/v1/keys/${star.id}`, tenant: 'soylent' });
    const gone = await get(cookie, '/console/invites');
    expect([gone.statusCode, gone.headers.location]).toEqual([303, '/console/sign-in']);
  });
});
