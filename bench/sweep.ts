// Expiry sweep over 1,000,000 stored invites of which 100,000 have expired; then a sweep with
// nothing expired. Baseline in the same run: a naive sweep that reads every invite (SCAN + GET).
import { parseDoc } from '../src/invites/layout.js';
import { benchService, populate } from './populate.js';
import { benchRedis, median, report, round } from './lib.js';

const TOTAL = Number(process.env.BENCH_TOTAL ?? 1_000_000);
const EXPIRED = Number(process.env.BENCH_EXPIRED ?? 100_000);
const redis = await benchRedis(6413);
const { clock, service } = benchService(redis.client);

const t0 = performance.now();
await populate(service, EXPIRED, () => ({ maxAge: 60, role: 'member', scope: { type: 'guild', id: 'g' } }));
await populate(service, TOTAL - EXPIRED, () => ({
  maxAge: 86_400,
  role: 'member',
  scope: { type: 'guild', id: 'g' },
}));
const populateSeconds = (performance.now() - t0) / 1000;
clock.advance(120_000);

// naive: look at every invite, as a sweep without an expiry index must
const n0 = performance.now();
let due = 0;
let cursor = '0';
do {
  const [next, keys] = await redis.client.scan(cursor, 'MATCH', '{herald}:inv:*', 'COUNT', 1000);
  cursor = next;
  if (keys.length)
    for (const raw of await redis.client.mget(keys))
      if (raw && (parseDoc(raw).expiresAt ?? Infinity) <= clock.now()) due += 1;
} while (cursor !== '0');
const naiveSeconds = (performance.now() - n0) / 1000;

const s0 = performance.now();
const first = await service.sweep();
const sweepSeconds = (performance.now() - s0) / 1000;
const empty: number[] = [];
for (let i = 0; i < 20; i++) {
  const e0 = performance.now();
  await service.sweep();
  empty.push(performance.now() - e0);
}
const slow = (await redis.client.slowlog('GET', 5)) as unknown[];
report('sweep', {
  stored: TOTAL,
  expired: EXPIRED,
  populate_seconds: round(populateSeconds, 1),
  flipped: first.flipped,
  script_calls: first.calls,
  sweep_seconds: round(sweepSeconds, 3),
  empty_sweep_median_ms: round(median(empty), 3),
  naive_full_read_seconds: round(naiveSeconds, 2),
  naive_found_due: due,
  ratio: round(naiveSeconds / sweepSeconds, 1),
  redis_slowlog_entries_over_10ms: slow.length,
});
await redis.client.quit();
redis.stop();
process.exit(0);
