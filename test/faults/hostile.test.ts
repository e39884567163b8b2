import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  auth,
  scanKeys,
  startHerald,
  startSink,
  waitFor,
  type Sink,
  type TestHerald,
} from '../helpers.js';

let sink: Sink;
let h: TestHerald;
let a: ReturnType<typeof api>;
let invite: { id: string; code: string };

beforeAll(async () => {
  sink = await startSink();
  h = await startHerald({ sink, roles: { api: true, worker: true }, env: { PUBLIC_RATE_LIMIT: '100000' } });
  a = api(h);
  invite = (await a.post('/v1/invites', { maxUses: 0 })).json();
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

const FIELDS = [
  'email',
  'emails',
  'role',
  'scope',
  'inviter',
  'maxUses',
  'maxAge',
  'expiresAt',
  'temporary',
  'metadata',
  'locale',
  'redirectUrl',
  'send',
  'count',
  'userId',
  'rotateCode',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
];
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\r\nBcc: x@evil.test',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '9'.repeat(400),
    'a@b.c\r\n',
    '{{url}}',
    '\u202e',
    'javascript:alert(1)',
    '//evil.test',
  ),
);
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  hostileString,
  fc.constantFrom(1e308, -1, 0, 2 ** 53 + 1, 1.5, Number.MAX_SAFE_INTEGER, true, null, [], {}),
);
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc
    .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), hostileValue)
    .map(([k, v]) => `{"${k}": ${JSON.stringify(v) ?? 'null'}, "metadata": {"${k}": {"polluted": true}}}`),
  hostileString,
);
const pathPart = fc
  .oneof(hostileString, fc.constant('__proto__'), fc.constant('inv_00000000000000000000'))
  .map((s) => encodeURIComponent(s) || 'x');

function assertShape(
  r: { statusCode: number; body: string; headers: Record<string, unknown> },
  what: string,
) {
  expect(r.statusCode, what).toBeLessThan(500);
  if (r.statusCode >= 400 && String(r.headers['content-type']).includes('json')) {
    const e = JSON.parse(r.body).error;
    expect(typeof e.code, what).toBe('string');
    expect(e.code, what).toMatch(/^[a-z0-9_]+$/);
    expect(typeof e.message, what).toBe('string');
    expect(Array.isArray(e.details), what).toBe(true);
  }
}

describe('hostile input, property-based', () => {
  const routes: [string, (id: string) => string][] = [
    ['POST', () => '/v1/invites'],
    ['POST', () => '/v1/invites/send'],
    ['PATCH', (id) => `/v1/invites/${id}`],
    ['POST', (id) => `/v1/invites/${id}/accept`],
    ['POST', (id) => `/v1/invites/${id}/resend`],
    ['POST', (id) => `/v1/invites/${id}/cancel`],
    ['POST', (id) => `/i/${id}/accept`],
    ['POST', () => '/v1/webhooks'],
    ['PATCH', (id) => `/v1/webhooks/${id}`],
    ['POST', (id) => `/v1/webhooks/${id}/redeliver`],
    ['PUT', (id) => `/v1/suppressions/${id}`],
    ['POST', (id) => `/u/${id}`],
  ];
  for (const [method, url] of routes) {
    it(`${method} ${url(':id')} never answers 5xx and keeps the error shape`, async () => {
      await fc.assert(
        fc.asyncProperty(body, fc.boolean(), pathPart, async (payload, useReal, part) => {
          const id = useReal ? invite.id : part;
          const r = await h.inject({
            method: method as 'POST',
            url: url(id),
            payload,
            headers: { ...auth, 'content-type': 'application/json' },
          });
          assertShape(r, `${method} ${url(id)} ${payload}`);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('GET routes with hostile paths and query strings never answer 5xx', async () => {
    const keys = [
      'status',
      'email',
      'role',
      'inviterId',
      'acceptedBy',
      'scopeType',
      'scopeId',
      'batchId',
      'code',
      'createdAfter',
      'createdBefore',
      'expiresAfter',
      'expiresBefore',
      'sort',
      'limit',
      'after',
      'type',
      'inviteId',
      'reason',
      '__proto__',
      'x',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...keys), hostileString, { maxKeys: 5 }),
        pathPart,
        async (q, part) => {
          const qs = new URLSearchParams(q as Record<string, string>).toString();
          for (const url of [
            `/v1/invites?${qs}`,
            `/v1/invites/${part}`,
            `/v1/invites/${part}/events`,
            `/v1/public/invites/${part}`,
            `/v1/public/invites/${part}/validate`,
            `/i/${part}`,
            `/v1/batches/${part}`,
            `/v1/events?${qs}`,
            `/v1/webhooks/${part}`,
            `/v1/webhooks/${part}/deliveries?${qs}`,
            `/v1/suppressions?${qs}`,
            `/v1/suppressions/${part}`,
            `/u/${part}`,
          ]) {
            const r = await h.inject({ method: 'GET', url, headers: auth });
            assertShape(r, url);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves the process healthy and Object.prototype clean', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect((await h.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await a.get(`/v1/invites/${invite.id}`)).statusCode).toBe(200);
  });
});

describe('header injection', () => {
  it('refuses CR/LF in addresses, names and roles', async () => {
    for (const body of [
      { email: 'a@b.test\r\nBcc: evil@evil.test' },
      { email: 'x@y.test', inviter: { name: 'Eve\r\nBcc: evil@evil.test' } },
      { email: 'x@y.test', role: 'admin\nX-Injected: 1' },
      { email: 'x@y.test', scope: { type: 'org', id: 'a\rb' } },
    ])
      expect((await a.post('/v1/invites', body)).statusCode).toBe(400);
  });

  it('a received message never carries an injected header or recipient', async () => {
    const sneaky = 'Eve\u2028Bcc: evil@evil.test\u0085To: evil2@evil.test';
    await a.post('/v1/invites', {
      email: 'target@inject.test',
      role: 'r\u2029X-Injected: yes',
      inviter: { name: sneaky },
    });
    const m = (await waitFor(
      () => sink.messages.find((x) => x.to.includes('target@inject.test')),
      15_000,
      'message',
    ))!;
    expect(m.to).toEqual(['target@inject.test']);
    expect(m.mail.headers.map((x) => x.key)).not.toContain('bcc');
    expect(m.mail.headers.map((x) => x.key)).not.toContain('x-injected');
    expect(m.mail.to?.map((x) => ('address' in x ? x.address : ''))).toEqual(['target@inject.test']);
    expect(sink.messages.some((x) => x.to.some((t) => t.endsWith('@evil.test')))).toBe(false);
  });
});

describe('code secrecy', () => {
  it('no invite code appears anywhere in Redis: keys, values or job payloads', async () => {
    const codes: string[] = [];
    codes.push((await a.post('/v1/invites', { email: 'secret1@secrecy.test' })).json().code);
    codes.push(
      ...(await a.post('/v1/invites', { count: 5 })).json().data.map((x: { code: string }) => x.code),
    );
    const { batchId } = (
      await a.post('/v1/invites/send', { emails: ['s1@secrecy.test', 's2@secrecy.test', 's3@secrecy.test'] })
    ).json();
    await waitFor(
      async () => (await a.get(`/v1/batches/${batchId}`)).json().status === 'done',
      15_000,
      'batch',
    );
    const listed = (await a.get(`/v1/invites?batchId=${batchId}`)).json().data;
    codes.push(...listed.map((x: { code: string }) => x.code));
    // a pending job (worker paused) must not hold a code either
    await h.workers!.pause();
    const rotated = (await a.post('/v1/invites', { email: 'rot@secrecy.test', send: false })).json();
    codes.push(
      (await a.post(`/v1/invites/${rotated.id}/resend`, { rotateCode: true })).json().code,
      rotated.code,
    );
    const dump: string[] = [];
    for (const key of await scanKeys(h.redis, `*${h.prefix}*`)) {
      dump.push(key);
      const type = await h.redis.type(key);
      if (type === 'string') dump.push((await h.redis.get(key))!);
      if (type === 'hash') dump.push(JSON.stringify(await h.redis.hgetall(key)));
      if (type === 'list') dump.push(...(await h.redis.lrange(key, 0, -1)));
      if (type === 'set') dump.push(...(await h.redis.smembers(key)));
      if (type === 'zset') dump.push(...(await h.redis.zrange(key, 0, -1)));
      if (type === 'stream') dump.push(JSON.stringify(await h.redis.xrange(key, '-', '+')));
    }
    h.workers!.resume();
    const text = dump.join('\n');
    expect(text).toContain(rotated.id); // the dump is real
    expect(text).toContain('resend'); // and holds the queued job
    expect(codes).toHaveLength(11);
    for (const code of codes) expect(text.includes(code), `code ${code} found in Redis`).toBe(false);
  });
});
