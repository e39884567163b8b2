// Redis CPU per created invite, read from INFO before and after: 50,000 open invites through the
// real create path 100 per script call (a bulk request's shape), then 2,000 with an address one
// at a time (the API's shape, with the uniqueness check). Baseline in the same run: a plain SET
// of the stored document's size, the least one write can cost.
import { benchService, populate } from './populate.js';
import { benchRedis, redisCpuSeconds, report, round } from './lib.js';

const BULK = Number(process.env.BENCH_N ?? 50_000);
const redis = await benchRedis(6419);
const { service } = benchService(redis.client);
const cpu = () => redisCpuSeconds(redis.client);
const perInvite = (seconds: number, n: number) => round((seconds * 1000) / n, 4);
const body = { maxAge: 60, role: 'member', scope: { type: 'guild', id: 'g' } };

const c0 = await cpu();
await populate(service, BULK, () => body);
const c1 = await cpu();
for (let i = 0; i < 2000; i++) await service.create({ ...body, email: `p${i}@bench.test`, send: false });
const c2 = await cpu();
const pad = 'x'.repeat(400);
for (let i = 0; i < BULK; i += 100) {
  const m = redis.client.multi();
  for (let j = i; j < i + 100; j++) m.set(`bare:${j}`, pad);
  await m.exec();
}
const c3 = await cpu();
report('create', {
  bulk_invites: BULK,
  redis_cpu_ms_per_bulk_invite: perInvite(c1 - c0, BULK),
  redis_cpu_ms_per_single_invite_with_address: perInvite(c2 - c1, 2000),
  redis_cpu_ms_per_bare_set: perInvite(c3 - c2, BULK),
  ratio_bulk_to_bare_set: round((c1 - c0) / (c3 - c2), 1),
});
await redis.client.quit();
redis.stop();
process.exit(0);
