import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from '../../src/webhooks/deliver.js';
import { api, startHerald, waitFor, type TestHerald } from '../helpers.js';
import { startReceiver, type Answer, type Hit, type Receiver } from '../receiver.js';

let h: TestHerald;
let a: ReturnType<typeof api>;
const receivers: Receiver[] = [];
beforeAll(async () => {
  h = await startHerald({
    roles: { api: true, worker: true },
    env: {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF: '50',
      WEBHOOK_ATTEMPTS: '4',
      WEBHOOK_TIMEOUT: '2000',
    },
  });
  a = api(h);
});
afterAll(async () => {
  await h.cleanup();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(answer?: (hit: Hit, n: number) => Answer) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}
/** Verifies a delivery with the reference Standard Webhooks library; returns the payload. */
const verify = (secret: string, hit: Hit) =>
  new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>) as {
    type: string;
    timestamp: string;
    data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

describe('webhooks', () => {
  it('delivers an accept on the landing page to a subscribed endpoint, signed, and logs it', async () => {
    const r = await receiver();
    const made = await a.post('/v1/webhooks', {
      url: r.url,
      events: ['invite.accepted'],
      description: 'crm',
    });
    expect(made.statusCode).toBe(201);
    const hook = made.json();
    expect(hook).toMatchObject({
      url: r.url,
      events: ['invite.accepted'],
      description: 'crm',
      enabled: true,
    });
    expect(hook.id).toMatch(/^whk_/);
    expect(Buffer.from(hook.secret.replace(/^whsec_/, ''), 'base64')).toHaveLength(32);
    expect((await a.get(`/v1/webhooks/${hook.id}`)).json()).not.toHaveProperty('secret');

    const inv = (await a.post('/v1/invites', { email: 'hooked@example.com', send: false })).json();
    const page = await h.inject({
      method: 'POST',
      url: `/i/${inv.code}/accept`,
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(page.statusCode).toBe(303);
    await r.waitFor(1);
    const payload = verify(hook.secret, r.hits[0]);
    expect(payload.type).toBe('invite.accepted');
    expect(payload.data.invite).toMatchObject({ id: inv.id, status: 'accepted', uses: 1 });
    expect(r.hits[0].body).not.toContain(inv.code);
    expect(r.hits[0].headers['content-type']).toBe('application/json');

    // the feed and the deliveries log name the same event
    const feed = (await a.get(`/v1/events?type=invite.accepted&inviteId=${inv.id}`)).json();
    expect(feed.data[0].id).toBe(r.hits[0].headers['webhook-id']);
    const log = await waitFor(async () => {
      const l = (await a.get(`/v1/webhooks/${hook.id}/deliveries`)).json();
      return l.data.length ? l : null;
    });
    expect(log.data[0]).toMatchObject({
      eventId: feed.data[0].id,
      type: 'invite.accepted',
      attempt: 1,
      status: 'succeeded',
      responseStatus: 200,
    });
    await new Promise((res) => setTimeout(res, 300));
    expect(r.hits).toHaveLength(1); // invite.created was not subscribed
  });

  it('retries a failing receiver with the same webhook-id, honours Retry-After, and stops at 410', async () => {
    const r = await receiver((_hit, n) => {
      if (n === 1) return { status: 500 };
      if (n === 2) return { status: 429, headers: { 'retry-after': '1' } };
      return { status: 200 };
    });
    const hook = (await a.post('/v1/webhooks', { url: r.url, events: ['invite.created'] })).json();
    await a.post('/v1/invites', { send: false });
    await r.waitFor(3);
    expect(new Set(r.hits.map((x) => x.headers['webhook-id'])).size).toBe(1);
    for (const hit of r.hits) expect(verify(hook.secret, hit).type).toBe('invite.created');
    expect(r.hits[2].at - r.hits[1].at).toBeGreaterThanOrEqual(900); // waited as Retry-After said
    const log = (await a.get(`/v1/webhooks/${hook.id}/deliveries`)).json().data;
    expect(log.map((x: { status: string; responseStatus: number }) => [x.status, x.responseStatus])).toEqual([
      ['succeeded', 200],
      ['pending', 429],
      ['pending', 500],
    ]);

    const gone = await receiver(() => ({ status: 410 }));
    const dead = (await a.post('/v1/webhooks', { url: gone.url, events: ['invite.created'] })).json();
    await a.post('/v1/invites', { send: false });
    await gone.waitFor(1);
    await waitFor(
      async () => (await a.get(`/v1/webhooks/${dead.id}`)).json().enabled === false,
      10_000,
      'disabled',
    );
    await a.post('/v1/invites', { send: false });
    await new Promise((res) => setTimeout(res, 500));
    expect(gone.hits).toHaveLength(1);
  });

  it('signs with both secrets for a day after a rotation; test events and redelivery go to that endpoint only', async () => {
    const r = await receiver();
    const other = await receiver();
    const hook = (await a.post('/v1/webhooks', { url: r.url })).json();
    await a.post('/v1/webhooks', { url: other.url, events: ['invite.deleted'] });
    const { secret } = (await a.post(`/v1/webhooks/${hook.id}/rotate`)).json();
    expect(secret).not.toBe(hook.secret);
    expect((await a.post(`/v1/webhooks/${hook.id}/test`)).statusCode).toBe(202);
    await r.waitFor(1);
    expect(String(r.hits[0].headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(hook.secret, r.hits[0]).type).toBe('webhook.test');
    expect(verify(secret, r.hits[0]).type).toBe('webhook.test');

    const re = await a.post(`/v1/webhooks/${hook.id}/redeliver`, {
      eventId: r.hits[0].headers['webhook-id'],
    });
    expect(re.statusCode).toBe(202);
    await r.waitFor(2);
    expect(r.hits[1].headers['webhook-id']).toBe(r.hits[0].headers['webhook-id']);
    expect(other.hits).toHaveLength(0);
    expect((await a.post(`/v1/webhooks/${hook.id}/redeliver`, { eventId: 'evt_1_0' })).statusCode).toBe(404);
  });

  it('lists, updates and deletes endpoints; rejects bad bodies naming the field', async () => {
    const r = await receiver();
    const hook = (await a.post('/v1/webhooks', { url: r.url })).json();
    expect(hook.events).toContain('invite.accepted');
    const patched = await a.patch(`/v1/webhooks/${hook.id}`, { enabled: false, description: 'paused' });
    expect(patched.json()).toMatchObject({ enabled: false, description: 'paused' });
    expect((await a.get('/v1/webhooks')).json().data.map((x: { id: string }) => x.id)).toContain(hook.id);
    expect((await a.del(`/v1/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await a.get(`/v1/webhooks/${hook.id}`)).statusCode).toBe(404);
    expect((await a.del(`/v1/webhooks/${hook.id}`)).statusCode).toBe(404);
    for (const body of [{}, { url: r.url, events: ['invite.nope'] }, { url: r.url, extra: 1 }, { url: 42 }]) {
      const res = await a.post('/v1/webhooks', body);
      expect([JSON.stringify(body), res.statusCode]).toEqual([JSON.stringify(body), 400]);
      expect(res.json().error.details.length).toBeGreaterThan(0);
    }
  });
});

describe('webhook URLs that reach inside (SSRF)', () => {
  let strict: TestHerald;
  beforeAll(async () => {
    strict = await startHerald({ prefix: h.prefix });
  });
  afterAll(async () => {
    await strict.close();
    await strict.redis.quit();
  });

  it('refuses loopback, private, link-local, multicast and unspecified hosts in every spelling', async () => {
    const s = api(strict);
    const hostile = [
      'http://127.0.0.1/x',
      'http://localhost:8080/x',
      'http://2130706433/',
      'http://0x7f.0.0.1/',
      'http://017700000001/',
      'http://127.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://0.0.0.0/',
      'http://[::]/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data',
      'http://[fe80::1]/',
      'http://[fc00::1]/',
      'http://224.0.0.1/',
      'http://100.64.0.1/',
      'http://[64:ff9b::7f00:1]/',
      'ftp://8.8.8.8/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://user:pw@8.8.8.8/',
      'not a url',
    ];
    for (const url of hostile) {
      const r = await s.post('/v1/webhooks', { url });
      expect([url, r.statusCode, r.json().error.code]).toEqual([url, 400, 'webhook_url_not_allowed']);
    }
    expect((await s.post('/v1/webhooks', { url: 'https://8.8.8.8/hook' })).statusCode).toBe(201);
    expect((await s.get('/v1/webhooks')).json().data.map((x: { url: string }) => x.url)).not.toContain(
      'http://127.0.0.1/x',
    );
  });

  it('refuses again at delivery: a name that resolves to loopback is never connected to', async () => {
    const r = await receiver();
    const url = r.url.replace('127.0.0.1', 'localhost');
    const res = await postWebhook(url, {}, '{}', { timeoutMs: 2000, allowPrivate: false });
    expect(res.status).toBeNull();
    expect(res.detail).toContain('internal');
    expect(r.hits).toHaveLength(0);
    expect((await postWebhook(url, {}, '{}', { timeoutMs: 2000, allowPrivate: true })).status).toBe(200);
  });
});
