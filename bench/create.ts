// The `create` job's store path: 40 bulk chunks of 500 addresses (20,000 invites) stored by the
// create script, with every index, audit entry and event. Run at two commits to see what a change
// costs (BENCHMARKS.md: the cost of recording events).
import { benchService } from './populate.js';
import { benchRedis, report, round } from './lib.js';

const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 40);
const redis = await benchRedis(6417);
const { bulk } = benchService(redis.client);

const batches: string[] = [];
for (let b = 0; b < CHUNKS; b++) {
  const emails = Array.from({ length: 500 }, (_, i) => `p${b}-${i}@create.test`);
  batches.push((await bulk.intake({ emails, role: 'member', scope: { type: 'org', id: `o${b}` } })).batchId);
}
const t0 = performance.now();
for (const id of batches) await bulk.processChunk(id, 0);
const seconds = (performance.now() - t0) / 1000;
report('create', {
  invites: CHUNKS * 500,
  seconds: round(seconds, 3),
  invites_per_s: round((CHUNKS * 500) / seconds, 0),
  us_per_invite: round((seconds * 1e6) / (CHUNKS * 500), 1),
});
await redis.client.quit();
redis.stop();
process.exit(0);
