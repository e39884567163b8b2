import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { dataKeys } from '../keys.js';

/** Failed console sign-ins one client address may make in a minute (DESIGN §5). */
export const SIGN_IN_FAILURES = 10;

export type SignInLimit = ReturnType<typeof createSignInLimit>;

/**
 * Counts failed sign-ins per client address in Redis, so the limit holds across every API
 * process. Only failures count: an operator who types the key right is never slowed down.
 */
export function createSignInLimit(redis: Redis, prefix: string) {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: dataKeys(prefix).signInFailures,
    points: SIGN_IN_FAILURES,
    duration: 60,
  });
  return {
    /** Milliseconds until this address may try again; 0 when it may now. */
    async waitMs(address: string): Promise<number> {
      const r = await limiter.get(address);
      return r && r.consumedPoints >= SIGN_IN_FAILURES ? Math.max(1, r.msBeforeNext) : 0;
    },
    async failed(address: string): Promise<void> {
      await limiter.penalty(address, 1);
    },
  };
}
