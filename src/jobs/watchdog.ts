import type { Worker } from 'bullmq';
import type { Logger } from '../logger.js';

/** How long ready jobs may wait on a shard whose worker takes none, with slots free, before it is replaced. */
export const STUCK_AFTER_MS = 30_000;

export interface ShardWatch {
  /** The shard's worker now (replaced ones are closed and forgotten). */
  worker(shard: number): Worker;
  /** Call when a job starts on `shard` and when it ends (`started` false). */
  track(shard: number, started: boolean): void;
  stop(): void;
}

/**
 * Replaces a delivery worker that stopped taking jobs. BullMQ workers on a Redis Cluster have been
 * seen to stay "running" after a failover while taking nothing, with no error (taskforcesh/bullmq
 * #3088, #3185; its maintainer's advice is to close such a worker and make a new one). Every
 * `everyMs` each shard is asked how many jobs are ready; a shard with ready jobs, a free slot and
 * no job started for `stuckAfterMs` since they were first seen gets a new worker, and the old one
 * is closed without waiting for it (a stuck one may never finish closing). Its active jobs, if
 * any, are taken over by the stalled-job check as a killed worker's would be: at least once, and
 * a message already sent is never sent again (its send number).
 */
export function watchShards(o: {
  shards: number;
  make: (shard: number) => Worker;
  /** Jobs of a shard ready to run now (waiting and prioritized, not delayed). */
  ready: (shard: number) => Promise<number>;
  concurrency: number;
  /** True while Herald itself paused the workers (taking no jobs is then what was asked). */
  paused: () => boolean;
  logger: Logger;
  everyMs?: number;
  stuckAfterMs?: number;
}): ShardWatch {
  const { everyMs = 5000, stuckAfterMs = STUCK_AFTER_MS } = o;
  const workers = Array.from({ length: o.shards }, (_, s) => o.make(s));
  const inFlight = new Array<number>(o.shards).fill(0);
  const lastStart = new Array<number>(o.shards).fill(Date.now());
  // When ready jobs were first seen on a shard whose worker has started none since.
  const readySince = new Array<number | null>(o.shards).fill(null);

  async function check(shard: number) {
    const w = workers[shard];
    if (o.paused() || w.closing || inFlight[shard] >= o.concurrency) return void (readySince[shard] = null);
    const ready = await o.ready(shard).catch(() => 0); // Redis away: nothing to judge by
    if (ready === 0) return void (readySince[shard] = null);
    const since = Math.max(readySince[shard] ?? Date.now(), lastStart[shard]);
    readySince[shard] = since;
    if (Date.now() - since < stuckAfterMs || workers[shard] !== w) return;
    o.logger.warn(
      { shard, ready, quietMs: Date.now() - since },
      'delivery worker took no job while jobs were ready; replacing it',
    );
    workers[shard] = o.make(shard);
    inFlight[shard] = 0;
    lastStart[shard] = Date.now();
    readySince[shard] = null;
    void w.close(true).catch(() => {});
  }

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void Promise.all(workers.map((_, s) => check(s))).finally(() => (running = false));
  }, everyMs);
  timer.unref();

  return {
    worker: (shard) => workers[shard],
    track(shard, started) {
      if (started) lastStart[shard] = Date.now();
      inFlight[shard] = Math.max(0, inFlight[shard] + (started ? 1 : -1));
    },
    stop: () => clearInterval(timer),
  };
}
