import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: one server by URL, or the seed nodes of a Redis Cluster (DESIGN §14). */
export interface RedisTarget {
  url: string;
  cluster?: { host: string; port: number }[];
}

/**
 * A connection to one Redis or to a cluster. A Cluster speaks the same commands (routed by key;
 * Herald's keys carry hash tags, src/keys.ts), so it is handed around typed as Redis.
 */
function connectTo(t: RedisTarget, options: RedisOptions): Redis {
  if (!t.cluster) return new Redis(t.url, options);
  const { enableOfflineQueue, enableAutoPipelining, ...redisOptions } = options;
  return new Cluster(t.cluster, {
    redisOptions,
    enableOfflineQueue,
    enableAutoPipelining,
    clusterRetryStrategy: options.retryStrategy,
  }) as unknown as Redis;
}

/**
 * API-side connection: commands fail at once while Redis is away instead of queueing, so
 * write routes can answer 503 quickly.
 */
export function apiRedis(t: RedisTarget, extra: RedisOptions = {}): Redis {
  return connectTo(t, {
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
export function workerRedis(t: RedisTarget, extra: RedisOptions = {}): Redis {
  return connectTo(t, {
    maxRetriesPerRequest: null,
    retryStrategy: (n) => Math.min(n * 200, 2000),
    ...extra,
  });
}

/** The one Redis, or every master of a cluster (once the cluster has read its slots). */
export async function masters(redis: Redis): Promise<Redis[]> {
  const client = redis as Redis | Cluster;
  // A new Cluster knows its nodes only once it has read the slots.
  if (client instanceof Cluster && client.status !== 'ready')
    await new Promise((r) => client.once('ready', r));
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** Every key matching `pattern`, from every master on a cluster (SCAN, so it never blocks Redis). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const nodes = await masters(redis);
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/** Refuses a Redis older than 7.0: Herald's scripts are a function library (FUNCTION LOAD, FCALL). */
export async function checkRedisVersion(redis: Redis) {
  for (const node of await masters(redis)) {
    const version = /redis_version:([\d.]+)/.exec(await node.info('server'))?.[1] ?? '0';
    if (Number(version.split('.')[0]) < 7)
      throw new Error(
        `Herald needs Redis 7.0 or later (its scripts are a function library, FUNCTION LOAD); ` +
          `${node.options.host}:${node.options.port} runs ${version}. Nothing was changed.`,
      );
  }
}
