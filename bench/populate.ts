import { manualClock } from '../src/clock.js';
import { createDomain } from '../src/invites/domain.js';
import { noJobs } from '../src/invites/ports.js';
import { dataPrefix } from '../src/keys.js';
import type { Redis } from 'ioredis';

/** The domain over a Redis connection, with a clock the bench moves and no queue behind it. */
export function benchService(redis: Redis, start = Date.now(), inviteRetention = 0) {
  const clock = manualClock(start);
  const domain = createDomain(redis, {
    prefix: dataPrefix('herald'),
    clock,
    jobs: noJobs,
    settings: {
      secret: 'bench-secret-0123456789',
      publicUrl: 'http://localhost:3000',
      inviteTtl: 0,
      inviteRetention,
      approvalTtl: 604800,
      redirectAllowlist: ['http://localhost:3000'],
      resendCooldown: 60,
      reminders: [],
      bulkMax: 10_000,
    },
  });
  return { clock, ...domain };
}

/** Stores `n` invites through the real create path, 100 per script call, 8 calls in flight. */
export async function populate(
  service: ReturnType<typeof benchService>['service'],
  n: number,
  body: (i: number) => object,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        const i = next;
        next += 100;
        await service.create({ ...body(i), count: Math.min(100, n - i) });
      }
    }),
  );
}
