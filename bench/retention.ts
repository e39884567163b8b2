// Retention (INVITE_RETENTION, DESIGN §18): 100,000 expired invites among 1,000,000 are removed
// by the sweep once their retention has passed. Baseline in the same run: the sweep that flipped
// those same 100,000 to expired (the cost of touching each invite once).
import { benchService, populate } from './populate.js';
import { benchRedis, report, round } from './lib.js';

const TOTAL = Number(process.env.BENCH_TOTAL ?? 1_000_000);
const FINAL = Number(process.env.BENCH_FINAL ?? 100_000);
const RETENTION = 3600; // seconds
const redis = await benchRedis(6415);
const { clock, service } = benchService(redis.client, Date.now(), RETENTION);

await populate(service, FINAL, () => ({ maxAge: 60, role: 'member', scope: { type: 'guild', id: 'g' } }));
await populate(service, TOTAL - FINAL, () => ({
  maxAge: 0,
  role: 'member',
  scope: { type: 'guild', id: 'g' },
}));
const before = (await redis.client.info('memory')).match(/used_memory:(\d+)/)![1];

clock.advance(120_000); // the first FINAL expire and become final
const f0 = performance.now();
const flip = await service.sweep();
const flipSeconds = (performance.now() - f0) / 1000;

clock.advance(RETENTION * 1000); // their retention has passed
const r0 = performance.now();
const retire = await service.sweep();
const retireSeconds = (performance.now() - r0) / 1000;
const after = (await redis.client.info('memory')).match(/used_memory:(\d+)/)![1];
const left = await redis.client.dbsize();

report('retention', {
  stored: TOTAL,
  final: FINAL,
  flipped: flip.flipped,
  flip_sweep_seconds: round(flipSeconds, 3),
  removed: retire.removed,
  removal_sweep_seconds: round(retireSeconds, 3),
  script_calls: retire.calls,
  ratio_to_flip: round(retireSeconds / flipSeconds, 2),
  redis_mb_before: round(Number(before) / 2 ** 20, 1),
  redis_mb_after: round(Number(after) / 2 ** 20, 1),
  keys_left: left,
});
await redis.client.quit();
redis.stop();
process.exit(0);
