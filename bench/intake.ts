// Bulk intake: 20 requests of 1,000 addresses each to POST /v1/invites/send over real HTTP.
// Baseline in the same run: the same requests to a bare Fastify route that only parses the body.
import Fastify from 'fastify';
import { loadConfig } from '../src/config.js';
import { createHerald } from '../src/herald.js';
import { benchRedis, median, report, round } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const redis = await benchRedis(6412);
const env = {
  REDIS_URL: redis.url,
  API_KEYS: 'bench-key',
  INVITE_SECRET: 'bench-secret-0123456789',
  LOG_LEVEL: 'error',
  PORT: '3412',
};
const herald = await createHerald({
  config: loadConfig(env),
  secret: env.INVITE_SECRET,
  apiKeys: ['bench-key'],
  roles: { api: true, worker: false },
});
await herald.app!.listen({ port: 3412, host: '127.0.0.1' });
const bare = Fastify({ bodyLimit: 1024 * 1024 });
bare.post('/', async () => ({ ok: true }));
await bare.listen({ port: 3413, host: '127.0.0.1' });

async function run(url: string, tag: string) {
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let r = 0; r < 20; r++) {
    const emails = Array.from({ length: 1000 }, (_, i) => `${tag}-${r}-${i}@intake.test`);
    const s = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-key', 'content-type': 'application/json' },
      body: JSON.stringify({ emails, role: 'member', scope: { type: 'org', id: 'bench' } }),
    });
    await res.arrayBuffer();
    if (res.status >= 300) throw new Error(`status ${res.status}`);
    latencies.push(performance.now() - s);
  }
  return { perSecond: 20_000 / ((performance.now() - t0) / 1000), medianMs: median(latencies) };
}

await run('http://127.0.0.1:3412/v1/invites/send', 'warm');
const herald_runs = [];
const bare_runs = [];
for (let i = 0; i < RUNS; i++) {
  herald_runs.push(await run('http://127.0.0.1:3412/v1/invites/send', `run${i}`));
  bare_runs.push(await run('http://127.0.0.1:3413/', `bare${i}`));
}
const h = {
  perSecond: median(herald_runs.map((r) => r.perSecond)),
  medianMs: median(herald_runs.map((r) => r.medianMs)),
};
const b = {
  perSecond: median(bare_runs.map((r) => r.perSecond)),
  medianMs: median(bare_runs.map((r) => r.medianMs)),
};
report('intake', {
  requests: 20,
  addresses_per_request: 1000,
  runs: RUNS,
  herald_invites_per_s: round(h.perSecond, 0),
  herald_median_request_ms: round(h.medianMs),
  bare_fastify_invites_per_s: round(b.perSecond, 0),
  bare_median_request_ms: round(b.medianMs),
  ratio_to_bare: round(h.perSecond / b.perSecond, 2),
});
await herald.close();
await bare.close();
await redis.client.quit();
redis.stop();
process.exit(0);
