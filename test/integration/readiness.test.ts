import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, waitFor, type TestHerald } from '../helpers.js';

let h: TestHerald;
beforeAll(async () => {
  h = await startHerald({ roles: { api: true, worker: true }, heartbeatMs: 200 });
});
afterAll(() => h.cleanup());

const ready = async () => (await h.inject({ method: 'GET', url: '/readyz' })).statusCode;

describe('readiness', () => {
  it('is ready while a worker consumes, and notices a worker that stopped consuming', async () => {
    await waitFor(async () => (await ready()) === 200, 5000, 'ready');
    const ok = (await h.inject({ method: 'GET', url: '/readyz' })).json();
    expect(ok).toMatchObject({ status: 'ready', redis: 'ok', workers: 1 });
    await h.workers!.pause(); // still connected to Redis, but taking no jobs
    await waitFor(async () => (await ready()) === 503, 5000, 'not ready after the pause');
    const body = (await h.inject({ method: 'GET', url: '/readyz' })).json();
    expect(body.error.code).toBe('not_ready');
    expect(body.error.details[0]).toMatchObject({ redis: 'ok', workers: 0 });
    h.workers!.resume();
    await waitFor(async () => (await ready()) === 200, 5000, 'ready again');
  });
});
