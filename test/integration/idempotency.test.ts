import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/errors.js';
import { idempotent } from '../../src/http/idempotency.js';
import { createLogger } from '../../src/logger.js';
import { createStore } from '../../src/invites/store.js';
import { deleteKeys, redisUrl, uniquePrefix } from '../helpers.js';

// The real idempotency code over a real Redis, behind a route whose work the test holds open,
// with the 10 s wait for a running duplicate shortened to 300 ms.
const prefix = uniquePrefix();
let redis: Redis;
let release: () => void = () => {};
let runs = 0;
const app = Fastify();

beforeAll(async () => {
  redis = new Redis(redisUrl());
  const store = createStore(redis, prefix);
  app.setErrorHandler(errorHandler(createLogger('silent')));
  app.post('/things', (req, reply) =>
    idempotent(
      store,
      'key-1',
      req,
      reply,
      async () => {
        runs += 1;
        await new Promise<void>((r) => (release = r));
        return { status: 201, body: { made: runs } };
      },
      300,
    ),
  );
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('Idempotency-Key while the first request still runs', () => {
  it('answers 409 idempotency_in_progress after the wait, then replays the first answer once it is done', async () => {
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/things',
        payload: { a: 1 },
        headers: { 'idempotency-key': 'slow-1' },
      });
    const first = post();
    await new Promise((r) => setTimeout(r, 50)); // the first has claimed the key
    const started = Date.now();
    const second = await post();
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('idempotency_in_progress');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    release();
    expect((await first).statusCode).toBe(201);
    const third = await post();
    expect([third.statusCode, third.json(), third.headers['idempotent-replayed']]).toEqual([
      201,
      { made: 1 },
      'true',
    ]);
    expect(runs).toBe(1);
  });
});
