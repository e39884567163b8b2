// Redis used_memory growth per pending invite, with every index, at 100,000 invites.
// Baseline in the same run: the same number of bare JSON strings of the same size (no indexes).
import { benchService, populate } from './populate.js';
import { benchRedis, report, round } from './lib.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const redis = await benchRedis(6416);
const used = async () => Number(/used_memory:(\d+)/.exec(await redis.client.info('memory'))![1]);
const { service, bulk } = benchService(redis.client);

// Realistic invites: open ones made by count (every index but e-mail), plus e-mail ones made
// through a batch chunk so e-mail, batch and uniqueness indexes are all present.
const before = await used();
await populate(service, N / 2, (i) => ({
  maxAge: 604800,
  role: i % 3 ? 'member' : 'admin',
  scope: { type: 'organization', id: `org${i % 500}` },
  inviter: { id: `u${i % 1000}`, name: 'Inviter Name' },
}));
const batches = N / 2 / 500;
for (let b = 0; b < batches; b++) {
  const emails = Array.from({ length: 500 }, (_, i) => `person${b}-${i}@example.com`);
  const { batchId } = await bulk.intake({
    emails,
    role: 'member',
    scope: { type: 'organization', id: `org${b}` },
    inviter: { id: `u${b}`, name: 'Inviter Name' },
  });
  await bulk.processChunk(batchId, 0);
}
const after = await used();
// Where the bytes go: MEMORY USAGE of every key, grouped by what the key is for.
const groups: Record<string, number> = {};
let cursor = '0';
do {
  const [next, keys] = await redis.client.scan(cursor, 'COUNT', 2000);
  cursor = next;
  const p = redis.client.pipeline();
  keys.forEach((k) => p.memory('USAGE', k));
  const sizes = (await p.exec())!.map(([, v]) => Number(v));
  keys.forEach((k, i) => {
    const g = k
      .split(':')
      .slice(1, k.includes(':x:') || k.includes(':z:') ? 3 : 2)
      .join(':');
    groups[g] = (groups[g] ?? 0) + sizes[i];
  });
} while (cursor !== '0');
const breakdown = Object.fromEntries(
  Object.entries(groups)
    .sort((a, b) => b[1] - a[1])
    .map(([g, b]) => [g, round(b / N, 0)]),
);
const perInvite = (after - before) / N;
const docBytes = (
  (await redis.client.get(`{herald}:inv:${(await redis.client.zrange('{herald}:z:created', -1, -1))[0]}`)) ??
  ''
).length;
await redis.client.flushall();
const b0 = await used();
const pad = 'x'.repeat(docBytes);
for (let i = 0; i < N; i += 1000) {
  const m = redis.client.multi();
  for (let j = i; j < i + 1000; j++) m.set(`bare:${j}`, pad);
  await m.exec();
}
const bare = ((await used()) - b0) / N;
report('memory', {
  invites: N,
  bytes_per_invite: round(perInvite, 0),
  invite_json_bytes: docBytes,
  bare_string_bytes_per_key: round(bare, 0),
  ratio_to_bare: round(perInvite / bare, 2),
  total_mb: round((after - before) / 2 ** 20, 1),
  bytes_per_invite_by_key: breakdown,
});
await redis.client.quit();
redis.stop();
process.exit(0);
