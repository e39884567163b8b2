import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  sleep,
  startHerald,
  startSink,
  waitFor,
  waitForBatch,
  waitForInvite,
  type Sink,
  type TestHerald,
} from '../helpers.js';
import { freePort } from '../processes.js';

let sink: Sink;
let h: TestHerald;
let a: ReturnType<typeof api>;
let bouncePort: number;
const attempts = new Map<string, number>(); // SMTP transactions per recipient

beforeAll(async () => {
  sink = await startSink((to) => {
    attempts.set(to[0], (attempts.get(to[0]) ?? 0) + 1);
    return to[0].startsWith('hard') ? { code: 550, message: '5.1.1 No such user here' } : null;
  });
  bouncePort = await freePort();
  h = await startHerald({
    sink,
    roles: { api: true, worker: true },
    env: { BOUNCE_SMTP_PORT: String(bouncePort) },
  });
  a = api(h);
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

const inbox = (addr: string) => sink.messages.filter((m) => m.to.includes(addr));
const firstTo = async (addr: string) => (await waitFor(() => inbox(addr)[0], 15_000, `mail to ${addr}`))!;
const feedTypes = async (inviteId: string) =>
  (await a.get(`/v1/events?inviteId=${inviteId}&limit=100`)).json().data.map((e: { type: string }) => e.type);

function dsn(to: string, recipient: string, status: string, action = 'failed') {
  return [
    'From: MAILER-DAEMON@mx.example.net',
    `To: ${to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Delivery failed.',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${status.startsWith('5') ? '550' : '451'} ${status} mailbox trouble`,
    '',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    `Return-Path: <${to}>`,
    `To: ${recipient}`,
    '--b1--',
    '',
  ].join('\r\n');
}

describe('the suppression list', () => {
  it('keeps one entry per address whatever its case, lists newest first, and deletes', async () => {
    const put = await a.put('/v1/suppressions/Someone@Example.ORG', { detail: 'asked by phone' });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({
      email: 'Someone@Example.ORG',
      reason: 'manual',
      detail: 'asked by phone',
    });
    expect((await a.put('/v1/suppressions/someone@example.org', { reason: 'complaint' })).statusCode).toBe(
      200,
    );
    expect((await a.get('/v1/suppressions/SOMEONE@example.org')).json()).toMatchObject({
      reason: 'complaint',
    });
    for (let i = 0; i < 3; i++) await a.put(`/v1/suppressions/list${i}@example.org`);
    const first = (await a.get('/v1/suppressions?limit=2&reason=manual')).json();
    expect(first.data.map((s: { email: string }) => s.email)).toEqual([
      'list2@example.org',
      'list1@example.org',
    ]);
    const second = (await a.get(`/v1/suppressions?limit=2&reason=manual&after=${first.nextCursor}`)).json();
    expect(second.data.map((s: { email: string }) => s.email)).toEqual(['list0@example.org']);
    expect(second.nextCursor).toBeNull();
    expect((await a.del('/v1/suppressions/SOMEONE@EXAMPLE.ORG')).statusCode).toBe(204);
    expect((await a.get('/v1/suppressions/someone@example.org')).statusCode).toBe(404);
    expect((await a.del('/v1/suppressions/someone@example.org')).statusCode).toBe(404);
    const bad = await a.put('/v1/suppressions/not-an-address');
    expect([bad.statusCode, bad.json().error.details[0].field]).toEqual([400, 'email']);
    expect((await a.put('/v1/suppressions/x@example.org', { reason: 'spite' })).statusCode).toBe(400);
  });
});

describe('deliverability', () => {
  it('an SMTP 5xx suppresses the address; no later invite to it reaches the SMTP server', async () => {
    const first = (
      await a.post('/v1/invites', { email: 'hard@bounce.test', scope: { type: 'org', id: 'a' } })
    ).json();
    await waitForInvite(a, first.id, (i) => i.delivery.status === 'failed', 'failed');
    const entry = (await a.get('/v1/suppressions/hard@bounce.test')).json();
    expect(entry).toMatchObject({ reason: 'bounce' });
    expect(entry.detail).toContain('550');
    const second = await a.post('/v1/invites', {
      email: 'HARD@bounce.test',
      scope: { type: 'org', id: 'b' },
    });
    expect(second.statusCode).toBe(201);
    const after = await waitForInvite(
      a,
      second.json().id,
      (i) => i.delivery.status === 'suppressed',
      'suppressed',
    );
    expect(after.status).toBe('pending');
    expect(attempts.get('HARD@bounce.test') ?? 0).toBe(0);
    expect(await feedTypes(second.json().id)).toContain('invite.suppressed');
    // a resend is checked the same way
    await sleep(1100);
    await a.post(`/v1/invites/${second.json().id}/resend`);
    await sleep(300);
    expect(attempts.get('HARD@bounce.test') ?? 0).toBe(0);
  });

  it('a batch counts suppressed addresses, and sent + failed + suppressed = created', async () => {
    await a.put('/v1/suppressions/skip@batch.test');
    const r = await a.post('/v1/invites/send', {
      emails: ['skip@batch.test', 'one@batch.test', 'two@batch.test'],
    });
    const b = await waitForBatch(a, r.json().batchId);
    expect(b).toMatchObject({ created: 3, sent: 2, failed: 0, suppressed: 1 });
    expect(inbox('skip@batch.test')).toHaveLength(0);
  });

  it('every message carries one-click unsubscribe and a VERP sender; the click suppresses, the page does not', async () => {
    const inv = (await a.post('/v1/invites', { email: 'reader@unsub.test' })).json();
    const m = await firstTo('reader@unsub.test');
    expect(m.from).toMatch(/^invites\+inv_[0-9a-z]{19}\.1\.[0-9a-f]{16}@localhost$/);
    const header = (n: string) => m.mail.headers.find((x) => x.key === n)?.value;
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const link = /^<(http:\/\/localhost:3000\/u\/([A-Za-z0-9_-]+))>$/.exec(header('list-unsubscribe') ?? '')!;
    expect(link).not.toBeNull();
    const token = link[2];
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('reader');
    expect(token).not.toContain(inv.code);

    const page = await h.inject({ method: 'GET', url: `/u/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post">');
    expect((await a.get('/v1/suppressions/reader@unsub.test')).statusCode).toBe(404);
    // exactly as Gmail posts it: form body, no Origin, no cookies
    const click = await h.inject({
      method: 'POST',
      url: `/u/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(click.statusCode).toBe(200);
    expect((await a.get('/v1/suppressions/reader@unsub.test')).json()).toMatchObject({
      reason: 'unsubscribe',
    });
    const multipart = await h.inject({
      method: 'POST',
      url: `/u/${token}`,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--x--\r\n',
    });
    expect(multipart.statusCode).toBe(200);
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect((await h.inject({ method: 'POST', url: `/u/${forged}` })).statusCode).toBe(404);
    expect((await h.inject({ method: 'GET', url: '/u/short' })).statusCode).toBe(404);
  });

  it('reads bounce reports over SMTP (VERP addresses only) and over HTTP; delays are only recorded', async () => {
    const smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: bouncePort,
      secure: false,
      ignoreTLS: true,
    });
    const send = (to: string, raw: string) => smtp.sendMail({ envelope: { from: '', to }, raw });

    const inv = (await a.post('/v1/invites', { email: 'dsn@example.net' })).json();
    const m = await firstTo('dsn@example.net');
    await send(m.from, dsn(m.from, 'dsn@example.net', '4.4.1', 'delayed'));
    const delayed = (await a.get(`/v1/invites/${inv.id}/events`))
      .json()
      .data.map((e: { type: string }) => e.type);
    expect(delayed).toContain('delivery_delayed');
    expect((await a.get(`/v1/invites/${inv.id}`)).json().delivery.status).toBe('sent');

    await send(m.from, dsn(m.from, 'dsn@example.net', '5.1.1'));
    expect((await a.get(`/v1/invites/${inv.id}`)).json().delivery.status).toBe('bounced');
    expect((await a.get('/v1/suppressions/dsn@example.net')).json()).toMatchObject({ reason: 'bounce' });
    expect(await feedTypes(inv.id)).toContain('invite.bounced');
    await expect(send('postmaster@localhost', dsn('x', 'y@z', '5.1.1'))).rejects.toThrow(/550/);
    const forged = m.from.replace(/\.[0-9a-f]{16}@/, '.0000000000000000@');
    await expect(send(forged, dsn(forged, 'dsn@example.net', '5.1.1'))).rejects.toThrow(/550/);

    const viaHttp = (await a.post('/v1/invites', { email: 'relay@example.net' })).json();
    const r = await firstTo('relay@example.net');
    const post = (body: string) =>
      h.inject({
        method: 'POST',
        url: '/v1/bounces',
        headers: { authorization: 'Bearer test-key-0123456789abcdef', 'content-type': 'message/rfc822' },
        payload: body,
      });
    const res = await post(dsn('bounces@relay.example', 'relay@example.net', '5.2.2'));
    expect(res.json().matched).toBe(false); // the report names no VERP address here...
    const named = await post(dsn(r.from, 'relay@example.net', '5.2.2'));
    expect([named.statusCode, named.json()]).toEqual([202, { matched: true, outcomes: ['bounced'] }]);
    expect((await a.get(`/v1/invites/${viaHttp.id}`)).json().delivery.status).toBe('bounced');
    for (const hostile of ['', 'garbage', '--b1\r\n\r\n'.repeat(1000), dsn(r.from, 'x', 'nonsense')]) {
      expect((await post(hostile)).statusCode).toBe(202);
    }
    expect((await post('x'.repeat(1024 * 1024 + 10))).statusCode).toBe(413);
    expect((await h.inject({ method: 'POST', url: '/v1/bounces', payload: 'x' })).statusCode).toBe(401);
    smtp.close();
  });
});

describe('bounce reports in either order', () => {
  it('a report over HTTP after one over SMTP matches, and the reverse', async () => {
    const smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: bouncePort,
      secure: false,
      ignoreTLS: true,
    });
    const overSmtp = (from: string, rcpt: string) =>
      smtp.sendMail({ envelope: { from: '', to: from }, raw: dsn(from, rcpt, '5.1.1') });
    const overHttp = async (from: string, rcpt: string) =>
      (
        await h.inject({
          method: 'POST',
          url: '/v1/bounces',
          headers: { authorization: 'Bearer test-key-0123456789abcdef', 'content-type': 'message/rfc822' },
          payload: dsn(from, rcpt, '5.1.1'),
        })
      ).json();
    const addrs = ['order1@example.org', 'order2@example.org', 'order3@example.org', 'order4@example.org'];
    const invites = [];
    for (const email of addrs) invites.push((await a.post('/v1/invites', { email })).json());
    const from = await Promise.all(addrs.map(async (x) => (await firstTo(x)).from));

    await overSmtp(from[0], addrs[0]);
    expect(await overHttp(from[1], addrs[1])).toEqual({ matched: true, outcomes: ['bounced'] });
    expect(await overHttp(from[2], addrs[2])).toEqual({ matched: true, outcomes: ['bounced'] });
    await overSmtp(from[3], addrs[3]);
    for (const inv of invites)
      expect((await a.get(`/v1/invites/${inv.id}`)).json().delivery.status).toBe('bounced');
    smtp.close();
  });
});

describe('DKIM', () => {
  it('signs every message so that an independent verifier (mailauth) passes it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dkimSink = await startSink();
    const signed = await startHerald({
      sink: dkimSink,
      roles: { api: true, worker: true },
      env: {
        DKIM_DOMAIN: 'herald.example',
        DKIM_SELECTOR: 'mail2026',
        DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        MAIL_FROM: 'Herald <invites@herald.example>',
      },
    });
    try {
      await api(signed).post('/v1/invites', { email: 'verify@example.com' });
      await dkimSink.waitFor(1);
      const p = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
      const asked: string[] = [];
      const resolver = async (name: string, type: string) => {
        asked.push(`${type} ${name}`);
        if (type === 'TXT' && name === 'mail2026._domainkey.herald.example')
          return [[`v=DKIM1; k=rsa; p=${p}`]];
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      };
      const result = await authenticate(dkimSink.messages[0].raw, {
        resolver,
        sender: 'invites@herald.example',
        ip: '127.0.0.1',
        helo: 'localhost',
        mta: 'test',
      });
      expect(asked).toContain('TXT mail2026._domainkey.herald.example');
      expect(result.dkim.results[0].status.result).toBe('pass');
      expect(result.dkim.results[0].signingDomain).toBe('herald.example');
    } finally {
      await signed.cleanup();
      await dkimSink.close();
    }
  });
});
