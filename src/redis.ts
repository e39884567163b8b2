import { Redis, type RedisOptions } from 'ioredis';

/**
 * API-side connection: commands fail at once while Redis is away instead of queueing, so
 * write routes can answer 503 quickly.
 */
export function apiRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    // Concurrent requests' commands share one write per tick: several times the lookups per second.
    enableAutoPipelining: true,
    retryStrategy: (n) => Math.min(n * 200, 2000),
    ...extra,
  });
}

/** Worker-side connection as BullMQ requires: waits for Redis rather than failing. */
export function workerRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (n) => Math.min(n * 200, 2000),
    ...extra,
  });
}
