import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** A limiter for `perSecond` messages, counted in Redis so it holds across worker processes. */
function limiter(redis: Redis, keyPrefix: string, perSecond: number) {
  const whole = perSecond >= 1;
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points: whole ? Math.floor(perSecond) : 1,
    duration: whole ? 1 : Math.ceil(1 / perSecond),
  });
}

export type SendLimits = ReturnType<typeof createSendLimits>;

/**
 * SEND_RATE (all messages) and DOMAIN_RATES (per recipient domain, `*` for the rest), held
 * across every worker through Redis. `wait(address)` takes one message's share and answers 0,
 * or the milliseconds to wait when a limit is reached (then nothing is taken).
 */
export function createSendLimits(
  redis: Redis,
  prefix: string,
  sendRate: number,
  domainRates: Record<string, number>,
) {
  const { sendRate: key } = dataKeys(prefix);
  const global = sendRate > 0 ? limiter(redis, key('all'), sendRate) : null;
  const domains = new Map(
    Object.entries(domainRates).map(([d, r]) => [d, limiter(redis, key(`domain:${d}`), r)]),
  );
  const over = (err: unknown) => {
    if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
    throw err; // Redis trouble: the job fails and is retried like any other error
  };
  return {
    enabled: global !== null || domains.size > 0,
    async wait(address: string): Promise<number> {
      const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      const perDomain = domains.get(domain) ?? domains.get('*');
      // The domain's own key (a `*` limit counts each domain on its own).
      if (perDomain) {
        const wait = await perDomain.consume(domain).then(() => 0, over);
        if (wait) return wait;
      }
      if (global) {
        const wait = await global.consume('all').then(() => 0, over);
        if (wait && perDomain) await perDomain.reward(domain).catch(() => {});
        return wait;
      }
      return 0;
    },
  };
}
