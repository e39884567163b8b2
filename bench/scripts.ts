// Redis CPU of what every delivered invite of a bulk send costs Redis, each part alone (no SMTP):
// Herald's two scripts, a `create` job's chunk per invite (10,000 addresses in 20 chunks of 500)
// and `delivery` recording a sent message (20 in flight, as a worker's concurrency), and BullMQ's
// own job cycle for the same sends (added as the create job adds them, taken and finished by a
// worker that does nothing). Baseline in the same run: a plain SET of the stored document's size.
// This splits bench/e2e.ts's Redis figure between Herald's scripts and BullMQ.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createQueues, DELIVERY } from '../src/jobs/queues.js';
import { queuePrefix } from '../src/keys.js';
import { benchService } from './populate.js';
import { benchRedis, median, redisCpuSeconds, report, round } from './lib.js';

const N = Number(process.env.BENCH_N ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const redis = await benchRedis(6420);
const cpu = () => redisCpuSeconds(redis.client);
const us = (seconds: number, n: number) => round((seconds * 1e6) / n, 1);
const figures = {
  create: [] as number[],
  delivery: [] as number[],
  bullmq: [] as number[],
  set: [] as number[],
};
const queues = createQueues(redis.client, { prefix: 'herald', sendAttempts: 8, sendBackoff: 1000 });

for (let r = 0; r < ROUNDS; r++) {
  await redis.client.flushall();
  const { bulk, store } = benchService(redis.client);
  const emails = Array.from({ length: N }, (_, i) => `r${i}@bench.test`);
  const { batchId } = await bulk.intake({
    emails,
    inviter: { name: 'Bench' },
    scope: { type: 'org', id: 'bench' },
  } as never);
  const c0 = await cpu();
  const ids: string[] = [];
  for (let chunk = 0; chunk < Math.ceil(N / 500); chunk++) {
    await bulk.processChunk(batchId, chunk);
    ids.push(...(await store.chunkResults(batchId, chunk)).map((x) => x.slice(3)));
  }
  const c1 = await cpu();
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        await store.delivery({
          now: Date.now(),
          id,
          seq: 1,
          outcome: 'sent',
          info: `<${id}.1@bench.test>`,
          batchId,
          kind: 'invite',
          templateVersion: 'invite/en@0',
        });
      }
    }),
  );
  const c2 = await cpu();
  let taken = 0;
  let allTaken!: () => void;
  const done = new Promise<void>((r) => (allTaken = r));
  for (let i = 0; i < N; i += 500)
    await queues.port.send(ids.slice(i, i + 500).map((inviteId) => ({ inviteId, seq: 1, batchId })));
  const worker = new Worker(DELIVERY, async () => void (++taken === N && allTaken()), {
    connection: new Redis(redis.url, { maxRetriesPerRequest: null }),
    prefix: queuePrefix('herald', 'delivery', '0'),
    concurrency: 20,
  });
  await done;
  await worker.close();
  const c3 = await cpu();
  const doc = (await redis.client.get((await redis.client.keys('*:inv:*'))[0]))!;
  for (let i = 0; i < N; i += 100) {
    const m = redis.client.multi();
    for (let j = i; j < i + 100; j++) m.set(`bare:${j}`, doc);
    await m.exec();
  }
  const c4 = await cpu();
  if (ids.length !== N) throw new Error(`${ids.length} invites stored of ${N}`);
  figures.create.push(us(c1 - c0, N));
  figures.delivery.push(us(c2 - c1, N));
  figures.bullmq.push(us(c3 - c2, N));
  figures.set.push(us(c4 - c3, N));
}
report('scripts', {
  invites: N,
  rounds: ROUNDS,
  redis_cpu_us_per_bulk_invite: median(figures.create),
  redis_cpu_us_per_delivery: median(figures.delivery),
  redis_cpu_us_per_bullmq_job: median(figures.bullmq),
  redis_cpu_us_per_bare_set: median(figures.set),
  herald_scripts_to_bullmq: round(
    (median(figures.create) + median(figures.delivery)) / median(figures.bullmq),
    2,
  ),
  create_to_bare_set: round(median(figures.create) / median(figures.set), 1),
  delivery_to_bare_set: round(median(figures.delivery) / median(figures.set), 1),
  per_round: figures,
});
await Promise.all([...queues.deliveries, queues.maintenance].map((q) => q.close()));
await redis.client.quit();
redis.stop();
process.exit(0);
