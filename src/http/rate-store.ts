import type { Redis } from 'ioredis';

type Callback = (err: Error | null, res?: { current: number; ttl: number }) => void;

interface Counter {
  /** When the window ends, as Redis said at the last flush; 0 before the first. */
  windowEnd: number;
  /** Hits counted here and not yet added in Redis. */
  pending: number;
  /** The window's total in Redis as of this process's last flush; -1 before the first. */
  remote: number;
  timeWindow: number;
}

/**
 * A store for @fastify/rate-limit that counts in process and settles with Redis in batches, so
 * most requests cost no Redis round trip while the limit still holds across processes:
 * - a client's first hit in a window, and every hit from 80 % of the limit on, wait for Redis;
 * - other hits are added to Redis by a flush every `flushMs`;
 * - a client over the limit is refused from memory (a window's count never goes down).
 * Across N processes a client can exceed the limit by at most what the other N − 1 processes
 * counted in one flush period below the 80 % mark. A window starts at the client's first hit in
 * any process (the Redis key's expiry), as with the plugin's own Redis store.
 */
export function batchedRedisStore(redis: Redis, namespace: string, flushMs = 50) {
  const counters = new Map<string, Counter>();

  async function flush(entries: [string, Counter][], timeWindow: number) {
    const taken = entries.map(([, c]) => c.pending);
    entries.forEach(([, c]) => (c.pending = 0));
    const p = redis.pipeline();
    // The first hit anywhere starts the window; INCRBY keeps the key's expiry.
    entries.forEach(([key], i) => p.set(key, 0, 'PX', timeWindow, 'NX').incrby(key, taken[i]).pttl(key));
    try {
      const results = (await p.exec()) ?? [];
      const now = Date.now();
      entries.forEach(([, c], i) => {
        const [[e1, total], [e2, ttl]] = [results[3 * i + 1] ?? [], results[3 * i + 2] ?? []];
        if (e1 || e2 || total === undefined) throw e1 ?? e2 ?? new Error('no reply from Redis');
        c.remote = Number(total);
        c.windowEnd = now + Math.max(Number(ttl), 0);
      });
    } catch (err) {
      entries.forEach(([, c], i) => (c.pending += taken[i])); // counted again next time
      throw err;
    }
  }

  const timer = setInterval(() => {
    const now = Date.now();
    const due = new Map<number, [string, Counter][]>();
    for (const [key, c] of counters) {
      if (c.remote < 0) continue; // its first flush is still on the way
      if (c.windowEnd <= now) counters.delete(key);
      else if (c.pending > 0) {
        if (!due.has(c.timeWindow)) due.set(c.timeWindow, []);
        due.get(c.timeWindow)!.push([key, c]);
      }
    }
    // Redis away: the hits stay pending and are added by a later flush.
    for (const [timeWindow, entries] of due) flush(entries, timeWindow).catch(() => {});
  }, flushMs);
  timer.unref();

  class BatchedStore {
    private readonly prefix: string;
    /** @fastify/rate-limit constructs the root store with its options; children get a prefix. */
    constructor(prefix?: unknown) {
      this.prefix = typeof prefix === 'string' ? prefix : namespace;
    }

    incr(key: string, cb: Callback, timeWindow: number, max: number) {
      const now = Date.now();
      const full = `${this.prefix}${key}`;
      let c = counters.get(full);
      if (!c || (c.remote >= 0 && c.windowEnd <= now)) {
        counters.set(full, (c = { windowEnd: 0, pending: 0, remote: -1, timeWindow }));
      }
      const counter = c;
      counter.pending += 1;
      const answer = () =>
        cb(null, {
          current: Math.max(counter.remote, 0) + counter.pending,
          ttl: Math.max(counter.windowEnd - Date.now(), 0),
        });
      const estimate = Math.max(counter.remote, 0) + counter.pending;
      if (counter.remote >= 0 && (estimate < 0.8 * max || counter.remote >= max)) return answer();
      flush([[full, counter]], timeWindow).then(answer, (err: Error) => cb(err));
    }

    // @fastify/rate-limit passes its merged route parameters, which carry the route as routeInfo.
    child(params: object) {
      const route = (params as { routeInfo?: { method?: string; url?: string } }).routeInfo ?? {};
      return new BatchedStore(`${this.prefix}${route.method ?? ''}${route.url ?? ''}-`);
    }
  }

  return { Store: BatchedStore, close: () => clearInterval(timer) };
}
