// GET /v1/invites filters over 100,000 stored invites, through the real list use case: indexed
// filters (a scope id and a role that 10 invites have, a role half of them have) and the status,
// which has no index (each invite's first letter is read while the sort index is walked: 10
// declined invites among 100,000 mean reading all of them). Baseline in the same run: the first
// page with no filter. Then the first page in expiresAt order, both ways.
import { benchService, populate } from './populate.js';
import { benchRedis, median, report, round } from './lib.js';
import type { ListQuery } from '../src/invites/inputs.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const RUNS = 15;
const redis = await benchRedis(6418);
const { service, queries } = benchService(redis.client);

await populate(service, N - 10, (i) => ({
  maxAge: 86_400,
  role: (i / 100) % 2 ? 'member' : 'admin', // populate passes multiples of 100
  scope: { type: 'org', id: `org${i % 500}` },
}));
const rare = await service.create({
  count: 10,
  role: 'auditor',
  scope: { type: 'org', id: 'rare' },
  maxAge: 86_400,
});
for (const inv of (rare as { data: { id: string }[] }).data) await service.decline(inv.id);

const q = (over: Partial<ListQuery>) => ({ limit: 20, sort: '-createdAt', ...over }) as ListQuery;
async function timed(query: ListQuery) {
  const ms: number[] = [];
  let found = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    found = (await queries.list(query)).data.length;
    ms.push(performance.now() - t0);
  }
  return { median_ms: round(median(ms), 2), found };
}
const none = await timed(q({}));
const indexed = await timed(q({ scopeId: 'rare' }));
const role = await timed(q({ role: 'auditor' }));
const common = await timed(q({ role: 'member' }));
const declined = await timed(q({ status: 'declined' }));
// The expiresAt order: two indexes per partition ('due' for pending invites with an expiry).
const expires = await timed(q({ sort: 'expiresAt' }));
const expiresDesc = await timed(q({ sort: '-expiresAt' }));
report('list', {
  invites: N,
  no_filter: none,
  indexed_scope_id_10_of_n: indexed,
  role_10_of_n: role,
  role_half_of_n: common,
  status_declined_10_of_n: declined,
  sort_expires_at: expires,
  sort_expires_at_desc: expiresDesc,
  ratio_rare_status_to_no_filter: round(declined.median_ms / none.median_ms, 1),
});
await redis.client.quit();
redis.stop();
process.exit(0);
