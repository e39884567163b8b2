// One open invite accepted by many users (a channel invite with no use limit): the cost of the
// n-th accept and of a public lookup as uses grow, since the invite's document keeps every use
// and its key its audit trail. Baseline in the same run: the same figures at the first uses.
import { benchService } from './populate.js';
import { benchRedis, median, report, round } from './lib.js';

const USES = Number(process.env.BENCH_N ?? 10_000);
const redis = await benchRedis(6420);
const { service, queries } = benchService(redis.client);
const inv = (await service.create({ maxUses: 0, maxAge: 86_400, send: false })) as {
  id: string;
  code: string;
};
const timed = async (f: () => Promise<unknown>) => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};
const acceptMs: number[] = [];
const lookupMs: number[] = [];
// Redis' own time for the last tenth of accepts is read from its command stats, reset before
// them (every script call then is an accept).
for (let i = 0; i < USES; i++) {
  if (i === USES - Math.max(1, USES / 10)) await redis.client.config('RESETSTAT');
  acceptMs.push(await timed(() => service.accept(inv.id, { userId: `user-${i}` })));
  if (i % 100 === 99) lookupMs.push(await timed(() => queries.publicView(inv.code)));
}
const lastTenthRedisUs = Number(
  /cmdstat_fcall:.*usec_per_call=([\d.]+)/.exec(await redis.client.info('commandstats'))![1],
);
const key = (await redis.client.keys('*:inv:*'))[0];
// Every invite.accepted event carries the invite with every use so far (DESIGN §10).
const feed = (await redis.client.keys('*:events'))[0];
const feedBytes = Number(await redis.client.call('MEMORY', 'USAGE', feed, 'SAMPLES', '0'));
const first = (xs: number[]) => median(xs.slice(0, Math.max(1, xs.length / 10)));
const last = (xs: number[]) => median(xs.slice(-Math.max(1, xs.length / 10)));
report('popular', {
  uses: USES,
  accept_ms_first_tenth: round(first(acceptMs), 3),
  accept_ms_last_tenth: round(last(acceptMs), 3),
  accept_redis_ms_last_tenth: round(lastTenthRedisUs / 1000, 3),
  lookup_ms_first_tenth: round(first(lookupMs), 3),
  lookup_ms_last_tenth: round(last(lookupMs), 3),
  invite_key_bytes: await redis.client.strlen(key),
  feed_mb: round(feedBytes / 2 ** 20, 1),
  ratio_last_to_first_accept: round(last(acceptMs) / first(acceptMs), 1),
});
await redis.client.quit();
redis.stop();
process.exit(0);
