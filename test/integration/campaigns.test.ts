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

let sink: Sink;
let h: TestHerald;
let a: ReturnType<typeof api>;
const arrivals = new Map<string, number[]>();

beforeAll(async () => {
  sink = await startSink((to) => {
    arrivals.set(to[0], [...(arrivals.get(to[0]) ?? []), Date.now()]);
    return null;
  });
  h = await startHerald({ sink, roles: { api: true, worker: true } });
  a = api(h);
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

const inbox = (addr: string) => sink.messages.filter((m) => m.to.includes(addr));
const types = async (id: string) =>
  (await a.get(`/v1/events?inviteId=${id}&limit=100`))
    .json()
    .data.map((e: { type: string; data: { kind?: string } }) =>
      e.data.kind ? `${e.type}:${e.data.kind}` : e.type,
    );

describe('scheduled sends', () => {
  it('waits for sendAt, and a cancel before it means no mail', async () => {
    const sendAt = new Date(Date.now() + 1500).toISOString();
    const inv = (await a.post('/v1/invites', { email: 'later@sched.test', sendAt })).json();
    expect(inv.delivery).toMatchObject({ status: 'scheduled', scheduledFor: sendAt });
    const canceled = (await a.post('/v1/invites', { email: 'never@sched.test', sendAt })).json();
    await a.post(`/v1/invites/${canceled.id}/cancel`);
    await waitForInvite(a, inv.id, (i) => i.delivery.status === 'sent', 'sent');
    expect(arrivals.get('later@sched.test')![0]).toBeGreaterThanOrEqual(Date.parse(sendAt));
    await sleep(500);
    expect(inbox('never@sched.test')).toHaveLength(0);
    expect((await a.get(`/v1/invites/${inv.id}`)).json().delivery.scheduledFor).toBeNull();
  });

  it('refuses a sendAt in the past or after the expiry, and schedules bulk sends too', async () => {
    const past = await a.post('/v1/invites', {
      email: 'p@sched.test',
      sendAt: new Date(Date.now() - 120_000).toISOString(),
    });
    expect([past.statusCode, past.json().error.code, past.json().error.details[0].field]).toEqual([
      400,
      'invalid_date',
      'sendAt',
    ]);
    const late = await a.post('/v1/invites', {
      email: 'l@sched.test',
      maxAge: 60,
      sendAt: new Date(Date.now() + 120_000).toISOString(),
    });
    expect(late.json().error.code).toBe('invalid_date');
    const bad = await a.post('/v1/invites/send', { emails: ['x@sched.test'], sendAt: 'tomorrow' });
    expect(bad.json().error.code).toBe('invalid_date');
    const sendAt = new Date(Date.now() + 1200).toISOString();
    const r = await a.post('/v1/invites/send', { emails: ['b1@sched.test', 'b2@sched.test'], sendAt });
    const batch = await waitForBatch(a, r.json().batchId);
    expect(batch.sent).toBe(2);
    for (const addr of ['b1@sched.test', 'b2@sched.test'])
      expect(arrivals.get(addr)![0]).toBeGreaterThanOrEqual(Date.parse(sendAt));
  });
});

describe('reminders', () => {
  it('sends a reminder with the same link and another subject, and none after an accept', async () => {
    const inv = (
      await a.post('/v1/invites', { email: 'nudge@remind.test', reminders: [1, 2], name: 'Ada' })
    ).json();
    await waitFor(() => inbox('nudge@remind.test').length >= 2, 10_000, 'the first reminder');
    const [first, reminder] = inbox('nudge@remind.test');
    expect(reminder.mail.subject).toBe(`Reminder: ${first.mail.subject}`);
    expect(reminder.mail.text).toContain(inv.url);
    expect(first.mail.text).toContain(inv.url);
    const [t0, t1] = arrivals.get('nudge@remind.test')!;
    expect(t1 - t0).toBeGreaterThanOrEqual(900);
    await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u1', email: 'nudge@remind.test' });
    await sleep(1800); // past the second reminder's time
    expect(inbox('nudge@remind.test')).toHaveLength(2);
    const now = (await a.get(`/v1/invites/${inv.id}`)).json();
    expect(now.delivery.sends).toBe(2);
    expect(now.reminders).toEqual([1, 2]);
    expect(await types(inv.id)).toEqual([
      'invite.created',
      'invite.sent:invite',
      'invite.sent:reminder',
      'invite.accepted',
    ]);
  });

  it('refuses more than three reminders or delays that do not increase', async () => {
    for (const reminders of [[1, 2, 3, 4], [5, 5], [0], [-1]]) {
      const r = await a.post('/v1/invites', { email: 'r@remind.test', reminders });
      expect([JSON.stringify(reminders), r.statusCode]).toEqual([JSON.stringify(reminders), 400]);
    }
  });
});

describe('names and per-recipient values', () => {
  it('greets by name, puts it in To, and escapes a hostile one', async () => {
    const name = 'Ada <img src=x onerror=alert(1)>, "Bob" <evil@x.test>';
    const inv = (await a.post('/v1/invites', { email: 'named@names.test', name })).json();
    expect(inv.name).toBe(name);
    const m = (await waitFor(() => inbox('named@names.test')[0]))!;
    expect(m.to).toEqual(['named@names.test']); // the name added no recipient
    expect(m.mail.to![0]).toMatchObject({ name, address: 'named@names.test' });
    expect(m.mail.text).toContain(`Hi ${name},`);
    expect(m.mail.html).not.toContain('<img src=x');
    expect(m.mail.html).toContain('Ada &lt;img src=x onerror=alert(1)&gt;');
  });

  it('takes bulk entries as objects with their own name, role, locale and metadata', async () => {
    const r = await a.post('/v1/invites/send', {
      role: 'member',
      emails: [
        { email: 'o1@objects.test', name: 'Olga', role: 'owner', locale: 'fr', metadata: { team: 'a' } },
        'o2@objects.test',
      ],
    });
    expect(r.statusCode).toBe(202);
    await waitForBatch(a, r.json().batchId);
    const list = (await a.get(`/v1/invites?batchId=${r.json().batchId}`)).json().data;
    const byEmail = Object.fromEntries(list.map((i: { email: string }) => [i.email, i]));
    expect(byEmail['o1@objects.test']).toMatchObject({
      name: 'Olga',
      role: 'owner',
      locale: 'fr',
      metadata: { team: 'a' },
    });
    expect(byEmail['o2@objects.test']).toMatchObject({ name: null, role: 'member', locale: 'en' });
    expect(inbox('o1@objects.test')[0].mail.subject).toContain('vous invite');
    const bad = await a.post('/v1/invites/send', { emails: [{ email: 'x@y.test', nickname: 'n' }] });
    expect(bad.statusCode).toBe(400);
  });
});

describe('decline, opened, previews', () => {
  it('declines by API and by the page; a declined invite cannot be accepted', async () => {
    const inv = (await a.post('/v1/invites', { email: 'no@decline.test', send: false })).json();
    const r = await a.post(`/v1/invites/${inv.id}/decline`, { reason: 'not interested' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'declined' });
    expect(Date.parse(r.json().declinedAt)).toBeGreaterThan(0);
    expect((await a.post(`/v1/invites/${inv.id}/decline`)).statusCode).toBe(409);
    const acc = await a.post(`/v1/invites/${inv.id}/accept`, { userId: 'u', email: 'no@decline.test' });
    expect([acc.statusCode, acc.json().error.code]).toEqual([409, 'invite_declined']);
    const feed = (await a.get(`/v1/events?inviteId=${inv.id}&type=invite.declined`)).json().data;
    expect(feed[0].data.reason).toBe('not interested');

    const open = (await a.post('/v1/invites', { send: false })).json();
    const cross = await h.inject({
      method: 'POST',
      url: `/i/${open.code}/decline`,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(cross.statusCode).toBe(403);
    const page = await h.inject({
      method: 'POST',
      url: `/i/${open.code}/decline`,
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('You declined this invitation');
    expect((await a.get(`/v1/invites/${open.id}`)).json().status).toBe('declined');
    expect(
      (await h.inject({ method: 'GET', url: `/v1/public/invites/${open.code}/validate` })).json(),
    ).toEqual({ valid: false, reason: 'used' });
  });

  it('records the first view only (not HEAD, not later views), and changes nothing else', async () => {
    const inv = (await a.post('/v1/invites', { email: 'look@opened.test', send: false })).json();
    expect((await h.inject({ method: 'HEAD', url: `/i/${inv.code}` })).statusCode).toBe(200);
    expect((await a.get(`/v1/invites/${inv.id}`)).json().openedAt).toBeNull();
    await h.inject({ method: 'GET', url: `/i/${inv.code}` });
    const opened = (await a.get(`/v1/invites/${inv.id}`)).json();
    expect(Date.parse(opened.openedAt)).toBeGreaterThan(0);
    expect(opened.updatedAt).toBe(inv.updatedAt);
    await h.inject({ method: 'GET', url: `/i/${inv.code}` });
    expect((await a.get(`/v1/invites/${inv.id}`)).json().openedAt).toBe(opened.openedAt);
    expect((await types(inv.id)).filter((t: string) => t === 'invite.opened')).toHaveLength(1);
  });

  it('carries link-preview tags without private data, and a QR code for known codes only', async () => {
    const inv = (
      await a.post('/v1/invites', {
        email: 'private@preview.test',
        send: false,
        inviter: { name: 'Grace' },
        role: 'editor',
        scope: { type: 'team', id: 'Blue' },
      })
    ).json();
    const html = (await h.inject({ method: 'GET', url: `/i/${inv.code}` })).body;
    const tags = [
      ...html.matchAll(/<meta (?:property|name)="((?:og|twitter):[a-z]+)" content="([^"]*)">/g),
    ].map((m) => [m[1], m[2]]);
    const map = Object.fromEntries(tags);
    expect(map['og:title']).toBe('Grace invited you to join team Blue');
    expect(map['og:url']).toBe(inv.url);
    expect(map['twitter:card']).toBe('summary');
    expect(JSON.stringify(tags)).not.toContain('private@preview.test');
    for (const [k, v] of tags) if (k !== 'og:url') expect(v).not.toContain(inv.code);
    const qr = await h.inject({ method: 'GET', url: `/i/${inv.code}/qr.svg` });
    expect([qr.statusCode, qr.headers['content-type']]).toEqual([200, 'image/svg+xml']);
    expect(qr.body).toMatch(/^<svg/);
    expect((await h.inject({ method: 'GET', url: '/i/AAAAAAAAAAAA/qr.svg' })).statusCode).toBe(404);
  });
});
