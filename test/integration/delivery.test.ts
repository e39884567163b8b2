import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  startHerald,
  startSink,
  waitFor,
  waitForBatch,
  waitForInvite,
  type Sink,
  type TestHerald,
  type Verdict,
} from '../helpers.js';

let sink: Sink;
let h: TestHerald;
let a: ReturnType<typeof api>;
const failures = new Map<string, Verdict[]>(); // per recipient: answers to give before accepting

beforeAll(async () => {
  sink = await startSink((to) => failures.get(to[0])?.shift() ?? null);
  h = await startHerald({ sink, roles: { api: true, worker: true }, env: { RESEND_COOLDOWN: '1' } });
  a = api(h);
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

const inbox = (addr: string) => sink.messages.filter((m) => m.to.includes(addr));
const linkIn = (text: string) => /http:\/\/localhost:3000\/i\/[A-Za-z0-9_-]{12}/.exec(text)?.[0];

describe('bulk delivery', () => {
  it('delivers 1,000 addresses once each with their own link, folds duplicates, and finishes the batch exactly', async () => {
    const pre = (
      await a.post('/v1/invites', {
        email: 'already@bulk.test',
        scope: { type: 'org', id: 'bulk' },
        send: false,
      })
    ).json();
    const emails = Array.from({ length: 1000 }, (_, i) => `person${i}@bulk.test`);
    const r = await a.post('/v1/invites/send', {
      emails: [...emails, 'PERSON7@bulk.test', 'already@bulk.test'],
      scope: { type: 'org', id: 'bulk' },
      role: 'member',
      inviter: { name: 'Bulk Bot' },
    });
    expect(r.statusCode).toBe(202);
    expect(r.json().total).toBe(1001);
    const batchId = r.json().batchId;
    const batch = await waitForBatch(a, batchId);
    expect(batch).toMatchObject({ total: 1001, created: 1000, duplicates: 1, sent: 1000, failed: 0 });
    expect(batch.finishedAt).not.toBeNull();
    const bulkMail = sink.messages.filter((m) => m.to[0].endsWith('@bulk.test'));
    expect(bulkMail).toHaveLength(1000);
    expect(new Set(bulkMail.map((m) => m.to[0])).size).toBe(1000);
    expect(inbox('already@bulk.test')).toHaveLength(0);

    // every invite is sent, and its mail carries its own link
    const codes = new Map<string, string>();
    let after = '';
    for (;;) {
      const page = (
        await a.get(`/v1/invites?batchId=${batchId}&limit=100${after ? `&after=${after}` : ''}`)
      ).json();
      for (const inv of page.data) {
        expect(inv.delivery.status).toBe('sent');
        expect(inv.delivery.sends).toBe(1);
        codes.set(inv.email.toLowerCase(), inv.url);
      }
      if (!page.hasMore) break;
      after = page.nextCursor;
    }
    expect(codes.size).toBe(1000);
    for (const m of bulkMail.slice(0, 50)) {
      expect(linkIn(m.mail.text!)).toBe(codes.get(m.to[0]));
      expect(m.mail.html).toContain(codes.get(m.to[0]));
      expect(m.mail.subject).toBe('Bulk Bot invited you to org bulk');
    }
    // the address that already had a pending invite keeps that one, unsent
    const kept = (await a.get(`/v1/invites/${pre.id}`)).json();
    expect(kept).toMatchObject({ status: 'pending', batchId: null, delivery: { status: 'none', sends: 0 } });
  });
});

describe('one message', () => {
  it('carries HTML and text parts, the link, inviter, scope, role and expiry, under 100 KB, with a stable Message-ID', async () => {
    const inv = (
      await a.post('/v1/invites', {
        email: 'one@example.com',
        role: 'editor',
        scope: { type: 'channel', id: 'general' },
        inviter: { name: 'Grace' },
      })
    ).json();
    const m = await waitFor(() => inbox('one@example.com')[0], 15_000, 'message');
    expect(m.raw.length).toBeLessThan(100 * 1024);
    expect(m.mail.html).toContain(inv.url);
    expect(m.mail.text).toContain(inv.url);
    expect(m.mail.text).toContain('Grace invited you to join channel general as editor.');
    expect(m.mail.text).toMatch(/expires on .*2\d{3}/);
    expect(m.mail.messageId).toBe(`<${inv.id}.1@localhost>`);
    const sent = await waitForInvite(a, inv.id, (x) => x.delivery.status === 'sent', 'sent');
    expect(sent.delivery).toMatchObject({
      attempts: 1,
      sends: 1,
      lastError: null,
      messageId: `<${inv.id}.1@localhost>`,
    });
    const types = (await a.get(`/v1/invites/${inv.id}/events`))
      .json()
      .data.map((e: { type: string }) => e.type);
    expect(types).toEqual(['created', 'queued', 'sent']);
  });

  it('escapes hostile inviter names, scope ids and roles into text', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    await a.post('/v1/invites', {
      email: 'xss@example.com',
      role: '"><script>alert(2)</script>',
      scope: { type: 'org', id: '<b>bold</b>' },
      inviter: { name: evil },
      locale: 'fr',
    });
    const m = await waitFor(() => inbox('xss@example.com')[0], 15_000, 'message');
    expect(m.mail.html).not.toContain('<img src=x');
    expect(m.mail.html).not.toContain('<script>');
    expect(m.mail.html).not.toContain('<b>bold</b>');
    expect(m.mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(m.mail.text).toContain(evil); // the plain-text part shows it as it is: text
    expect(m.mail.subject).toContain('vous invite'); // French template
  });

  it('retries a 4xx answer and delivers exactly once', async () => {
    failures.set('retry@example.com', [
      { code: 451, message: 'try later' },
      { code: 421, message: 'busy' },
    ]);
    const inv = (await a.post('/v1/invites', { email: 'retry@example.com' })).json();
    const sent = await waitForInvite(a, inv.id, (x) => x.delivery.status === 'sent', 'sent after retries');
    expect(sent.delivery.attempts).toBe(3);
    expect(inbox('retry@example.com')).toHaveLength(1);
  });

  it('fails a 5xx answer after one attempt, recording the reply', async () => {
    failures.set('reject@example.com', [{ code: 550, message: 'mailbox unavailable' }]);
    const inv = (await a.post('/v1/invites', { email: 'reject@example.com' })).json();
    const failed = await waitForInvite(a, inv.id, (x) => x.delivery.status === 'failed', 'failed');
    expect(failed.delivery.attempts).toBe(1);
    expect(failed.delivery.lastError).toContain('550');
    const events = (await a.get(`/v1/invites/${inv.id}/events`)).json().data;
    expect(events.find((e: { type: string }) => e.type === 'delivery_failed').error).toContain(
      'mailbox unavailable',
    );
    expect(inbox('reject@example.com')).toHaveLength(0);
  });

  it('resends after the cooldown, and a rotated code retires the old link', async () => {
    const inv = (await a.post('/v1/invites', { email: 'again@example.com' })).json();
    await waitFor(() => inbox('again@example.com').length === 1, 15_000, 'first mail');
    await new Promise((r) => setTimeout(r, 1100));
    const re = await a.post(`/v1/invites/${inv.id}/resend`, { rotateCode: true });
    expect(re.statusCode).toBe(202);
    await waitFor(() => inbox('again@example.com').length === 2, 15_000, 'second mail');
    const [first, second] = inbox('again@example.com');
    expect(linkIn(first.mail.text!)).toBe(inv.url);
    expect(linkIn(second.mail.text!)).toBe(re.json().url);
    expect((await a.get(`/v1/public/invites/${inv.code}/validate`)).json().valid).toBe(false);
    const final = await waitForInvite(a, inv.id, (x) => x.delivery.sends === 2, 'second send');
    expect(final.delivery.messageId).toBe(`<${inv.id}.2@localhost>`);
    const types = (await a.get(`/v1/invites/${inv.id}/events`))
      .json()
      .data.map((e: { type: string }) => e.type);
    expect(types).toEqual(['created', 'queued', 'sent', 'resent', 'queued', 'sent']);
  });

  it('does not send an invite canceled before its job ran, and counts it as ended', async () => {
    await h.workers!.pause();
    const r = await a.post('/v1/invites/send', { emails: ['late1@example.com', 'late2@example.com'] });
    const batchId = r.json().batchId;
    // let the create job run alone, then cancel one invite before its send
    h.workers!.resume();
    const listed = await waitFor(async () => {
      const l = (await a.get(`/v1/invites?batchId=${batchId}`)).json();
      return l.data.length === 2 ? l.data : null;
    });
    await a.post(`/v1/invites/${listed[0].id}/cancel`);
    const batch = await waitForBatch(a, batchId);
    expect(batch.sent + batch.failed).toBe(2);
    expect(inbox(listed[0].email).length + inbox(listed[1].email).length).toBe(batch.sent);
  });
});

describe('a worker stopped mid-batch', () => {
  it('loses nothing when a new worker takes over', async () => {
    const before = sink.messages.length;
    const emails = Array.from({ length: 400 }, (_, i) => `restart${i}@restart.test`);
    const { batchId } = (await a.post('/v1/invites/send', { emails })).json();
    await waitFor(() => sink.messages.length > before + 20, 20_000, 'some mail');
    await h.workers!.close(); // graceful: finishes active jobs, takes no more
    expect(sink.messages.length - before).toBeLessThan(400); // it really stopped mid-batch
    const second = await startHerald({ prefix: h.prefix, sink, roles: { api: false, worker: true } });
    try {
      const batch = await waitForBatch(a, batchId);
      expect(batch).toMatchObject({ total: 400, created: 400, sent: 400, failed: 0 });
      const got = sink.messages.filter((m) => m.to[0].endsWith('@restart.test')).map((m) => m.to[0]);
      expect(new Set(got).size).toBe(400);
      expect(got).toHaveLength(400); // graceful stop: zero duplicates
    } finally {
      await second.close();
      await second.redis.quit();
    }
  });
});
