import { manualClock } from '../src/clock.js';
import { createQueries } from '../src/invites/queries.js';
import { createService, type JobPort } from '../src/invites/service.js';
import { createStore } from '../src/invites/store.js';
import type { Redis } from 'ioredis';

const noJobs: JobPort = { send: async () => {}, createChunks: async () => {}, sweep: async () => 'none' };

/** The domain over a Redis connection, with a clock the bench moves and no queue behind it. */
export function benchService(redis: Redis, start = Date.now()) {
  const clock = manualClock(start);
  const store = createStore(redis, 'herald');
  const service = createService(store, noJobs, clock, {
    secret: 'bench-secret-0123456789', publicUrl: 'http://localhost:3000', inviteTtl: 0, redirectAllowlist: ['http://localhost:3000'], resendCooldown: 60, bulkMax: 10_000,
  });
  return { clock, store, service, queries: createQueries(store, clock, 'bench-secret-0123456789', service.view) };
}

/** Stores `n` invites through the real create path, 100 per script call, 8 calls in flight. */
export async function populate(service: ReturnType<typeof benchService>['service'], n: number, body: (i: number) => object) {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < n) {
      const i = next;
      next += 100;
      await service.create({ ...body(i), count: Math.min(100, n - i) });
    }
  }));
}
