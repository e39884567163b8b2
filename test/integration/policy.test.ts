import { describe, expect, it } from 'vitest';
import { scanKeys, withHerald } from '../helpers.js';

const t = withHerald();
const a = t.a;

const put = async (policy: object) => {
  const r = await a.put('/v1/policy', policy);
  expect(r.statusCode).toBe(200);
  // Every process reads the policy through a cache of at most a second.
  await new Promise((res) => setTimeout(res, 1100));
  return r.json();
};
const create = (email: string) => a.post('/v1/invites', { email, send: false });
const postCsv = (payload: string) =>
  t.h.inject({
    method: 'POST',
    url: '/v1/invites/send',
    headers: { authorization: 'Bearer test-key-0123456789abcdef', 'content-type': 'text/csv' },
    payload,
  });

describe('the invite policy (DESIGN §17)', () => {
  it('starts open, replaces the whole policy on PUT, and refuses bad input naming the field', async () => {
    expect((await a.get('/v1/policy')).json()).toEqual({
      allowedDomains: [],
      blockedDomains: [],
      blockFreeMail: false,
      blockDisposable: false,
      blockSubaddressing: false,
      requireApproval: false,
    });
    for (const [body, field] of [
      [{ blockedDomains: ['not a domain'] }, 'blockedDomains'],
      [{ extra: true }, 'extra'],
      [{ blockFreeMail: 'yes' }, 'blockFreeMail'],
    ] as const) {
      const r = await a.put('/v1/policy', body);
      expect(r.statusCode).toBe(400);
      expect(JSON.stringify(r.json().error.details)).toContain(field);
    }
    const p = await put({ blockedDomains: ['Evil.TEST.'], allowedDomains: ['BÜCHER.example'] });
    expect(p).toMatchObject({
      blockedDomains: ['evil.test'],
      allowedDomains: ['xn--bcher-kva.example'],
      blockFreeMail: false,
    });
    expect((await put({ blockFreeMail: true })).blockedDomains).toEqual([]); // fields left out take defaults
  });

  it('refuses each reason on a single create with 422 naming email; subdomains count, look-alikes do not', async () => {
    await put({
      blockedDomains: ['evil.test'],
      blockFreeMail: true,
      blockDisposable: true,
      blockSubaddressing: true,
    });
    const cases: [string, string | null][] = [
      ['a@evil.test', 'domain_blocked'],
      ['a@MX.Evil.Test', 'domain_blocked'],
      ['a@evil.test.example.org', null],
      ['a@notevil.test', null],
      ['a@gmail.com', 'free_mail_not_allowed'],
      ['a@mailinator.com', 'disposable_not_allowed'],
      ['a+tag@example.org', 'subaddress_not_allowed'],
      ['plain@example.org', null],
    ];
    for (const [email, code] of cases) {
      const r = await create(email);
      if (code === null) expect([email, r.statusCode]).toEqual([email, 201]);
      else {
        expect([email, r.statusCode, r.json().error.code]).toEqual([email, 422, code]);
        expect(r.json().error.details[0].field).toBe('email');
      }
    }
    await put({ allowedDomains: ['acme.test'] });
    for (const [email, code] of [
      ['x@acme.test', null],
      ['x@dev.acme.test', null],
      ['x@acme.test.evil.test', 'domain_not_allowed'],
      ['x@gmail.com', 'domain_not_allowed'],
    ] as const) {
      const r = await create(email);
      expect([email, r.statusCode, code ? r.json().error.code : null]).toEqual([
        email,
        code ? 422 : 201,
        code,
      ]);
    }
  });

  it('bulk and CSV list every refused address (line numbers for CSV) and queue nothing; check is a dry run', async () => {
    await put({ allowedDomains: ['acme.test'], blockSubaddressing: true });
    const batches = async () => (await scanKeys(t.h.redis, `${t.h.data}:batch:*`)).length;
    const before = await batches();
    const bulk = await a.post('/v1/invites/send', {
      emails: ['ok@acme.test', 'no@other.test', 'ok+x@acme.test'],
    });
    expect(bulk.statusCode).toBe(400);
    expect(bulk.json().error.details).toEqual([
      expect.objectContaining({ field: 'emails[1]', code: 'domain_not_allowed' }),
      expect.objectContaining({ field: 'emails[2]', code: 'subaddress_not_allowed' }),
    ]);
    const csv = await postCsv('email,name\nok@acme.test,Ok\nno@other.test,No\n"a+b@acme.test","Tag"\n');
    expect(csv.statusCode).toBe(400);
    expect(csv.json().error.code).toBe('invalid_rows');
    expect(csv.json().error.details).toEqual([
      expect.objectContaining({ line: 3, column: 'email', code: 'domain_not_allowed' }),
      expect.objectContaining({ line: 4, column: 'email', code: 'subaddress_not_allowed' }),
    ]);
    expect(await batches()).toBe(before);
    await a.put('/v1/suppressions/ok@acme.test', {});
    const check = (await a.post('/v1/invites/check', { emails: ['no@other.test', 'ok@acme.test'] })).json();
    expect(check.data).toEqual([
      { email: 'no@other.test', allowed: false, reason: 'domain_not_allowed', suppressed: false },
      { email: 'ok@acme.test', allowed: true, reason: null, suppressed: true },
    ]);
    expect((await a.post('/v1/invites/check', { emails: ['nope'] })).statusCode).toBe(400);
  });

  it('an open code with restrictDomains admits only an allowed address, by API and on the landing page', async () => {
    await put({ allowedDomains: ['acme.test'] });
    const inv = (await a.post('/v1/invites', { maxUses: 5, restrictDomains: true })).json();
    expect(inv.restrictDomains).toBe(true);
    const accept = (body: object) => a.post(`/v1/invites/${inv.id}/accept`, body);
    expect([
      (await accept({ userId: 'u1' })).statusCode,
      (await accept({ userId: 'u1' })).json().error.code,
    ]).toEqual([403, 'domain_not_allowed']);
    expect((await accept({ userId: 'u1', email: 'u1@other.test' })).json().error.code).toBe(
      'domain_not_allowed',
    );
    expect((await accept({ userId: 'u1', email: 'u1@acme.test' })).statusCode).toBe(200);
    const page = await t.h.inject({ method: 'GET', url: `/i/${inv.code}` });
    expect(page.body).toContain('name="email"');
    const post = (email: string) =>
      t.h.inject({
        method: 'POST',
        url: `/i/${inv.code}/accept`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        payload: `email=${encodeURIComponent(email)}`,
      });
    const refused = await post('guest@other.test');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('organisation');
    expect((await post('guest@acme.test')).statusCode).toBe(303);
    expect((await a.get(`/v1/invites/${inv.id}`)).json().uses).toBe(2);
    // A code without restrictDomains is not limited.
    const open = (await a.post('/v1/invites', { maxUses: 2 })).json();
    expect(
      (await a.post(`/v1/invites/${open.id}/accept`, { userId: 'u9', email: 'u9@other.test' })).statusCode,
    ).toBe(200);
    await put({});
  });

  it('gives every reason through bulk, CSV and check alike; IDN domains compare in their ASCII form', async () => {
    await put({
      blockedDomains: ['evil.test'],
      blockFreeMail: true,
      blockDisposable: true,
      blockSubaddressing: true,
    });
    const cases: [string, string | null][] = [
      ['a@Sub.EVIL.test', 'domain_blocked'],
      ['a@gmail.com', 'free_mail_not_allowed'],
      ['a@mailinator.com', 'disposable_not_allowed'],
      ['a+b@example.org', 'subaddress_not_allowed'],
      ['fine@example.org', null],
    ];
    const refused = cases.filter(([, c]) => c !== null);
    const bulk = (await a.post('/v1/invites/send', { emails: cases.map(([e]) => e) })).json().error;
    expect(bulk.details.map((d: { field: string; code: string }) => [d.field, d.code])).toEqual(
      refused.map(([, code]) => [`emails[${cases.findIndex(([, c]) => c === code)}]`, code]),
    );
    const csv = await postCsv(`email\n${cases.map(([e]) => e).join('\n')}\n`);
    expect(csv.json().error.details.map((d: { line: number; code: string }) => [d.line, d.code])).toEqual(
      refused.map(([, code]) => [cases.findIndex(([, c]) => c === code) + 2, code]),
    );
    const check = (await a.post('/v1/invites/check', { emails: cases.map(([e]) => e) })).json().data;
    expect(check.map((c: { reason: string | null }) => c.reason)).toEqual(cases.map(([, c]) => c));
    // A domain given in Unicode matches the address's ASCII (punycode) form, and the reverse.
    await put({ allowedDomains: ['BÜCHER.example'] });
    expect((await create('kunde@xn--bcher-kva.example')).statusCode).toBe(201);
    expect((await create('kunde@buecher.example')).json().error.code).toBe('domain_not_allowed');
    await put({});
  });
});
