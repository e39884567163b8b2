import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  sleep,
  startHerald,
  startSink,
  waitForInvite,
  type Sink,
  type TestHerald,
  type Verdict,
} from '../helpers.js';

// One SMTP server that can be told to refuse, hang up, or be gone; the workers retry with backoff.
let mode: 'ok' | '421' | 'drop' = 'ok';
let sink: Sink;
let h: TestHerald;
let a: ReturnType<typeof api>;
const verdict = (): Verdict | 'drop' => {
  if (mode === '421') return { code: 421, message: 'Service not available, closing channel' };
  return mode === 'drop' ? 'drop' : null;
};

beforeAll(async () => {
  sink = await startSink(verdict);
  h = await startHerald({
    sink,
    roles: { api: true, worker: true },
    env: { SEND_BACKOFF: '100', SEND_ATTEMPTS: '12' },
  });
  a = api(h);
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

const delivered = (id: string) =>
  waitForInvite(a, id, (x) => x.delivery.status === 'sent', 'delivery', 30_000);
const attempts = (id: string, n: number, what: string) =>
  waitForInvite(a, id, (x) => x.delivery.attempts >= n, what, 15_000);
const received = (addr: string) => sink.messages.filter((m) => m.to.includes(addr)).length;

describe('a misbehaving SMTP server', () => {
  it('answers 421 for a while: retried with backoff, delivered once it recovers', async () => {
    mode = '421';
    const inv = (await a.post('/v1/invites', { email: 'busy@smtp.test' })).json();
    await attempts(inv.id, 2, 'two refused attempts');
    const mid = (await a.get(`/v1/invites/${inv.id}`)).json();
    expect(mid.delivery.status).toBe('queued');
    expect(mid.delivery.lastError).toContain('421');
    mode = 'ok';
    const done = await delivered(inv.id);
    expect(done.delivery.attempts).toBeGreaterThanOrEqual(3);
    expect(done.delivery.lastError).toBeNull();
    expect(received('busy@smtp.test')).toBe(1);
  });

  it('drops the connection in the middle of DATA: retried and delivered once', async () => {
    mode = 'drop';
    const inv = (await a.post('/v1/invites', { email: 'drop@smtp.test' })).json();
    await attempts(inv.id, 1, 'a dropped attempt');
    mode = 'ok';
    await delivered(inv.id);
    expect(received('drop@smtp.test')).toBe(1);
  });

  it('is down entirely, then comes back on the same port: delivered, nothing hangs', async () => {
    const port = sink.port;
    const kept = sink.messages;
    await sink.close();
    const inv = (await a.post('/v1/invites', { email: 'down@smtp.test' })).json();
    await attempts(inv.id, 2, 'refused connections');
    expect((await a.get(`/v1/invites/${inv.id}`)).json().delivery.lastError).toMatch(/ECONNREFUSED|connect/i);
    await sleep(100);
    sink = await startSink(verdict, { port });
    await delivered(inv.id);
    expect(received('down@smtp.test')).toBe(1);
    kept.length = 0;
  });
});
