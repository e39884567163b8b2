// Redis used_memory growth per delivered invite, with every index and its audit trail, at 100,000.
// Baseline in the same run: the same number of bare JSON strings of the same size (no indexes).
import { benchService } from './populate.js';
import { benchRedis, report, round } from './lib.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const redis = await benchRedis(6416);
const used = async () => Number(/used_memory:(\d+)/.exec(await redis.client.info('memory'))![1]);
const { store, bulk } = benchService(redis.client);
const i = (b: number) => b % 3;

// Delivered e-mail invites, as a bulk send leaves them: made through batch chunks of 500 (so
// e-mail, batch and uniqueness indexes are present), then each first send recorded as sent by the
// script the worker runs (so the audit trail, event feed and funnel counters hold what they
// hold after delivery). BullMQ's jobs are not counted: completed ones are removed.
const before = await used();
const batches = N / 500;
for (let b = 0; b < batches; b++) {
  const emails = Array.from({ length: 500 }, (_, i) => `person${b}-${i}@example.com`);
  const { batchId } = await bulk.intake({
    emails,
    role: i(b) ? 'member' : 'admin',
    maxAge: 604800,
    scope: { type: 'organization', id: `org${b % 500}` },
    inviter: { id: `u${b % 1000}`, name: 'Inviter Name' },
  });
  await bulk.processChunk(batchId, 0);
  const ids = await store.setMembers('batch', batchId);
  await Promise.all(
    ids.map((id) =>
      store.delivery({
        now: Date.now(),
        id,
        seq: 1,
        outcome: 'sent',
        info: `<${id}.1@herald.example>`, // the worker's Message-ID (src/jobs/send.ts)
        batchId,
        kind: 'invite',
      }),
    ),
  );
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
      .slice(1, k.includes(':o:') || k.includes(':z:') ? 3 : 2)
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
  (await redis.client.get((await redis.client.scan('0', 'MATCH', '*:inv:*', 'COUNT', 1000))[1][0])) ?? ''
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
