import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { api, PUBLIC_URL, sleep, startHerald, type TestHerald } from '../helpers.js';

const clock = manualClock();
let h: TestHerald;
let a: ReturnType<typeof api>;

beforeAll(async () => {
  h = await startHerald({ clock, env: { REDIRECT_ALLOWLIST: `${PUBLIC_URL},https://app.example.com` } });
  a = api(h);
});
afterAll(() => h.cleanup());

const page = (code: string, method: 'GET' | 'HEAD' = 'GET') => h.inject({ method, url: `/i/${code}` });
const post = (code: string, headers: Record<string, string> = { origin: PUBLIC_URL }) =>
  h.inject({
    method: 'POST',
    url: `/i/${code}/accept`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: '',
  });

describe('landing page', () => {
  it('shows who invited whom to what, until when, with an Accept form, and sets strict headers', async () => {
    const inv = (
      await a.post('/v1/invites', {
        email: 'r@example.com',
        send: false,
        role: 'editor',
        scope: { type: 'channel', id: 'general' },
        inviter: { name: 'Grace <b>' },
      })
    ).json();
    const r = await page(inv.code);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.body).toContain('<html lang="en">');
    expect(r.body).toContain('Grace &lt;b&gt; invited you to join channel general');
    expect(r.body).toContain('editor');
    expect(r.body).toContain(`action="/i/${inv.code}/accept"`);
    expect(r.body).not.toContain('r@example.com');
    expect(r.body).not.toMatch(/<script/i);
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('GET and HEAD never change state', async () => {
    const inv = (await a.post('/v1/invites', {})).json();
    for (let i = 0; i < 3; i++) {
      await page(inv.code);
      expect((await page(inv.code, 'HEAD')).statusCode).toBe(200);
    }
    expect((await a.get(`/v1/invites/${inv.id}`)).json()).toMatchObject({ status: 'pending', uses: 0 });
  });

  it('uses the invite locale with English fallback', async () => {
    const fr = (await a.post('/v1/invites', { locale: 'fr-CA', inviter: { name: 'Zoé' } })).json();
    expect((await page(fr.code)).body).toContain('<html lang="fr">');
    const xx = (await a.post('/v1/invites', { locale: 'xx' })).json();
    expect((await page(xx.code)).body).toContain('<html lang="en">');
  });

  it('accepts on POST and redirects with 303 to the redirectUrl, then shows "already accepted"', async () => {
    const inv = (
      await a.post('/v1/invites', {
        email: 'land@example.com',
        send: false,
        redirectUrl: 'https://app.example.com/welcome?x=1',
      })
    ).json();
    const r = await post(inv.code);
    expect(r.statusCode).toBe(303);
    const loc = new URL(r.headers.location as string);
    expect(loc.origin + loc.pathname).toBe('https://app.example.com/welcome');
    expect(loc.searchParams.get('code')).toBe(inv.code);
    expect(loc.searchParams.get('status')).toBe('accepted');
    expect(loc.searchParams.get('x')).toBe('1');
    const got = (await a.get(`/v1/invites/${inv.id}`)).json();
    expect(got).toMatchObject({
      status: 'accepted',
      uses: 1,
      acceptedBy: [{ userId: null, email: 'land@example.com' }],
    });
    const again = await post(inv.code);
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('Invitation accepted');
  });

  it('without a redirectUrl lands on a confirmation page', async () => {
    const inv = (await a.post('/v1/invites', { maxUses: 0 })).json();
    // what a browser sends under Referrer-Policy: no-referrer
    const r = await post(inv.code, { 'sec-fetch-site': 'same-origin', origin: 'null' });
    expect(r.statusCode).toBe(303);
    const loc = new URL(r.headers.location as string);
    expect(loc.pathname).toBe(`/i/${inv.code}/done`);
    const done = await h.inject({ method: 'GET', url: loc.pathname + loc.search });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Invitation accepted');
    expect((await a.get(`/v1/invites/${inv.id}`)).json().uses).toBe(1);
  });

  it('refuses cross-site posts', async () => {
    const inv = (await a.post('/v1/invites', {})).json();
    for (const headers of <Record<string, string>[]>[
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { referer: 'https://evil.example/x' },
      { 'sec-fetch-site': 'cross-site', origin: 'null' },
      { 'sec-fetch-site': 'same-site', origin: PUBLIC_URL },
    ]) {
      const r = await post(inv.code, headers);
      expect(r.statusCode).toBe(403);
    }
    expect((await a.get(`/v1/invites/${inv.id}`)).json().uses).toBe(0);
  });

  it('has distinct pages for expired, canceled, used and unknown codes', async () => {
    const exp = (await a.post('/v1/invites', { maxAge: 5 })).json();
    const can = (await a.post('/v1/invites', {})).json();
    await a.post(`/v1/invites/${can.id}/cancel`);
    const used = (await a.post('/v1/invites', {})).json();
    await a.post(`/v1/invites/${used.id}/accept`, { userId: 'someone' });
    clock.advance(6000);
    const cases: [string, number, string][] = [
      [exp.code, 410, 'This invitation has expired'],
      [can.code, 410, 'This invitation was withdrawn'],
      [used.code, 410, 'This invitation has already been used'],
      ['AAAAAAAAAAAA', 404, 'We could not find this invitation'],
      ['short', 404, 'We could not find this invitation'],
    ];
    for (const [code, status, text] of cases) {
      const r = await page(code);
      expect(r.statusCode, code).toBe(status);
      expect(r.body).toContain(text);
      expect(r.body).not.toContain('<form');
      expect(r.headers['content-security-policy']).toBeTruthy();
    }
    const late = await post(exp.code);
    expect([late.statusCode, late.body.includes('expired')]).toEqual([410, true]);
    expect((await post('AAAAAAAAAAAA')).statusCode).toBe(404);
  });
});

describe('public API', () => {
  it('shows what the invite grants without the e-mail and without consuming a use', async () => {
    const inv = (
      await a.post('/v1/invites', {
        email: 'secret@example.com',
        send: false,
        role: 'viewer',
        scope: { type: 'pack', id: 'p1' },
        inviter: { id: 'u9', name: 'Ada' },
      })
    ).json();
    const r = await h.inject({ method: 'GET', url: `/v1/public/invites/${inv.code}` });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      code: inv.code,
      status: 'pending',
      scope: { type: 'pack', id: 'p1' },
      role: 'viewer',
      inviter: { name: 'Ada' },
      maxUses: 1,
      uses: 0,
      valid: true,
    });
    expect(r.body).not.toContain('secret@example.com');
    expect(r.body).not.toContain('u9');
    expect((await h.inject({ method: 'GET', url: '/v1/public/invites/AAAAAAAAAAAA' })).statusCode).toBe(404);
    const v = await h.inject({ method: 'GET', url: `/v1/public/invites/${inv.code}/validate` });
    expect(v.json()).toEqual({ valid: true, referrerName: 'Ada' });
    await a.post(`/v1/invites/${inv.id}/cancel`);
    expect(
      (await h.inject({ method: 'GET', url: `/v1/public/invites/${inv.code}/validate` })).json(),
    ).toEqual({ valid: false, reason: 'canceled' });
    expect((await a.get(`/v1/invites/${inv.id}`)).json().uses).toBe(0);
  });

  it('rate-limits public routes per client address with 429 and Retry-After', async () => {
    const limited = await startHerald({ prefix: h.prefix, env: { PUBLIC_RATE_LIMIT: '5' } });
    try {
      const codes: number[] = [];
      let last;
      for (let i = 0; i < 7; i++) {
        last = await limited.inject({
          method: 'GET',
          url: '/v1/public/invites/AAAAAAAAAAAA/validate',
          remoteAddress: '10.9.8.7',
        });
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      expect(last!.json().error.code).toBe('rate_limited');
      const other = await limited.inject({
        method: 'GET',
        url: '/v1/public/invites/AAAAAAAAAAAA/validate',
        remoteAddress: '10.9.8.6',
      });
      expect(other.statusCode).toBe(200);
    } finally {
      await limited.close();
      await limited.redis.quit();
    }
  });

  it('holds one per-address limit across two API processes (counts settle through Redis)', async () => {
    const env = { PUBLIC_RATE_LIMIT: '10' };
    const [p1, p2] = [
      await startHerald({ prefix: h.prefix, env }),
      await startHerald({ prefix: h.prefix, env }),
    ];
    try {
      const codes: number[] = [];
      for (let i = 0; i < 24; i++) {
        const r = await [p1, p2][i % 2].inject({
          method: 'GET',
          url: '/v1/public/invites/AAAAAAAAAAAA/validate',
          remoteAddress: '10.9.8.20',
        });
        codes.push(r.statusCode);
        await sleep(60); // past one flush period, as requests from a real client are spread
      }
      // Each process alone would allow 10; together they allow 10.
      expect(codes.filter((c) => c === 200)).toHaveLength(10);
      expect(codes.slice(10).every((c) => c === 429)).toBe(true);
    } finally {
      for (const p of [p1, p2]) {
        await p.close();
        await p.redis.quit();
      }
    }
  });

  it('behind a trusted proxy, limits each forwarded client address separately', async () => {
    const proxied = await startHerald({
      prefix: h.prefix,
      env: { PUBLIC_RATE_LIMIT: '2', TRUST_PROXY: 'true' },
    });
    try {
      const get = (xff: string) =>
        proxied.inject({
          method: 'GET',
          url: '/v1/public/invites/AAAAAAAAAAAA/validate',
          remoteAddress: '127.0.0.1',
          headers: { 'x-forwarded-for': xff },
        });
      expect([
        (await get('198.51.100.1')).statusCode,
        (await get('198.51.100.1')).statusCode,
        (await get('198.51.100.1')).statusCode,
      ]).toEqual([200, 200, 429]);
      expect((await get('198.51.100.2')).statusCode).toBe(200);
    } finally {
      await proxied.close();
      await proxied.redis.quit();
    }
  });
});
