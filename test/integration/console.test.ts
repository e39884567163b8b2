import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, scanKeys, startHerald, TEST_KEY, type TestHerald } from '../helpers.js';

let h: TestHerald;
beforeAll(async () => {
  h = await startHerald();
});
afterAll(() => h.cleanup());

const form = { 'content-type': 'application/x-www-form-urlencoded' };
async function signIn(key = TEST_KEY) {
  return h.inject({
    method: 'POST',
    url: '/console/sign-in',
    headers: { ...form, 'sec-fetch-site': 'same-origin' },
    payload: `key=${encodeURIComponent(key)}`,
  });
}
const cookieOf = (r: { headers: Record<string, unknown> }) => String(r.headers['set-cookie']).split(';')[0];

describe('the console', () => {
  it('signs in with an API key into a strict session cookie that never holds the key', async () => {
    const wrong = await signIn('not-the-key');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('not a valid API key');
    const ok = await signIn();
    expect(ok.statusCode).toBe(303);
    const set = String(ok.headers['set-cookie']);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Max-Age=43200/);
    expect(set).not.toContain(TEST_KEY);
    const page = await h.inject({ method: 'GET', url: '/console', headers: { cookie: cookieOf(ok) } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.headers['content-security-policy']).not.toMatch(/script-src/);
    expect(page.body).not.toContain(TEST_KEY);
    expect(page.body).not.toContain('<script');
  });

  it('closes every page, and the queue board, without a session; sign-out ends it on the server', async () => {
    for (const url of [
      '/console',
      '/console/batches',
      '/console/invites',
      '/console/approvals',
      '/console/policy',
      '/console/queues',
      '/console/queues/api/queues',
    ]) {
      const r = await h.inject({ method: 'GET', url });
      expect([url, r.statusCode, r.headers.location]).toEqual([url, 303, '/console/sign-in']);
    }
    const cookie = cookieOf(await signIn());
    expect((await h.inject({ method: 'GET', url: '/console/queues', headers: { cookie } })).statusCode).toBe(
      200,
    );
    const out = await h.inject({
      method: 'POST',
      url: '/console/sign-out',
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(out.statusCode).toBe(303);
    // the old cookie, replayed, is worthless
    expect((await h.inject({ method: 'GET', url: '/console', headers: { cookie } })).statusCode).toBe(303);
  });

  it('treats a session past its 12 hours as signed out', async () => {
    const cookie = cookieOf(await signIn());
    const keys = await scanKeys(h.redis, `${h.data}:console:*`);
    for (const k of keys) await h.redis.pexpire(k, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect((await h.inject({ method: 'GET', url: '/console', headers: { cookie } })).statusCode).toBe(303);
  });

  it('refuses cross-site requests to pages and forms', async () => {
    const cookie = cookieOf(await signIn());
    const inv = (await api(h).post('/v1/invites', { send: false })).json();
    const crossPost = await h.inject({
      method: 'POST',
      url: `/console/invites/${inv.id}/cancel`,
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossPost.statusCode).toBe(403);
    const noFetchMeta = await h.inject({
      method: 'POST',
      url: `/console/invites/${inv.id}/cancel`,
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(noFetchMeta.statusCode).toBe(403);
    const crossGet = await h.inject({
      method: 'GET',
      url: '/console',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossGet.statusCode).toBe(403);
    expect((await api(h).get(`/v1/invites/${inv.id}`)).json().status).toBe('pending');
    // the same post from the console itself goes through, after its confirmation page
    const confirm = await h.inject({
      method: 'GET',
      url: `/console/invites/${inv.id}/cancel`,
      headers: { cookie },
    });
    expect(confirm.body).toContain('Yes, cancel');
    expect((await api(h).get(`/v1/invites/${inv.id}`)).json().status).toBe('pending');
    const ok = await h.inject({
      method: 'POST',
      url: `/console/invites/${inv.id}/cancel`,
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(ok.statusCode).toBe(303);
    expect((await api(h).get(`/v1/invites/${inv.id}`)).json().status).toBe('canceled');
  });
});

describe('the way in', () => {
  it('GET / leads a browser to the console; a JSON client keeps the 404', async () => {
    const browser = await h.inject({ method: 'GET', url: '/', headers: { accept: 'text/html,*/*;q=0.8' } });
    expect([browser.statusCode, browser.headers.location]).toEqual([303, '/console']);
    const next = await h.inject({ method: 'GET', url: '/console', headers: { accept: 'text/html' } });
    expect([next.statusCode, next.headers.location]).toEqual([303, '/console/sign-in']);
    const json = await h.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } });
    expect([json.statusCode, json.json().error.code]).toEqual([404, 'route_not_found']);
  });

  it('refuses an address after 10 failed sign-ins in a minute, counted across two API processes', async () => {
    const other = await startHerald({ prefix: h.prefix });
    try {
      const attempt = (via: TestHerald, key: string, remoteAddress = '203.0.113.5') =>
        via.inject({
          method: 'POST',
          url: '/console/sign-in',
          remoteAddress,
          headers: { ...form, 'sec-fetch-site': 'same-origin' },
          payload: `key=${encodeURIComponent(key)}`,
        });
      // A right key does not count.
      expect((await attempt(h, TEST_KEY)).statusCode).toBe(303);
      for (let i = 0; i < 10; i++)
        expect((await attempt(i % 2 ? other : h, `wrong-${i}`)).statusCode).toBe(401);
      for (const via of [h, other]) {
        const refused = await attempt(via, TEST_KEY);
        expect(refused.statusCode).toBe(429);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect(refused.body).toContain('Too many failed sign-ins');
      }
      // Another address is not held back by this one's failures.
      expect((await attempt(other, TEST_KEY, '203.0.113.6')).statusCode).toBe(303);
    } finally {
      await other.close();
      await other.redis.quit();
    }
  });
});
