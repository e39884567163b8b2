// The HTTP stack under autocannon, 100 connections, rate limit raised for the run: GET /healthz
// and GET /v1/public/invites/:code against a bare Fastify route started here (its own process),
// and an admin read (GET /v1/invites/:id) with an operator key against a tenant key (DESIGN §15:
// the key check, cached 1 s, should cost at most 5 %): the check alone, timed per call, set
// against the CPU one admin read costs (whole-request comparisons drown in this machine's noise).
// Every figure comes from the same run.
import { execFile, fork } from 'node:child_process';
import { loadConfig } from '../src/config.js';
import { createHerald } from '../src/herald.js';
import { createAuth } from '../src/access/auth.js';
import { createKeyStore } from '../src/access/key-store.js';
import { dataPrefix } from '../src/keys.js';
import { createTenantStore } from '../src/tenants/store.js';
import { benchRedis, median, report, round } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const redis = await benchRedis(6415);
const env = {
  REDIS_URL: redis.url,
  API_KEYS: 'bench-key',
  INVITE_SECRET: 'bench-secret-0123456789',
  LOG_LEVEL: 'error',
  PUBLIC_RATE_LIMIT: '100000000',
};
const herald = await createHerald({
  config: loadConfig(env),
  secret: env.INVITE_SECRET,
  apiKeys: ['bench-key'],
  roles: { api: true, worker: false },
});
await herald.app!.listen({ port: 3415, host: '127.0.0.1' });
const created = await herald.app!.inject({
  method: 'POST',
  url: '/v1/invites',
  headers: { authorization: 'Bearer bench-key' },
  payload: { count: 100, role: 'member', scope: { type: 'guild', id: 'g' }, inviter: { name: 'Bench' } },
});
const codes: string[] = created.json().data.map((i: { code: string }) => i.code);
const tenantKey: string = (
  await herald.app!.inject({
    method: 'POST',
    url: '/v1/keys',
    headers: { authorization: 'Bearer bench-key' },
    payload: { name: 'bench', scopes: ['invites:read'] },
  })
).json().secret;
const bare = fork(new URL('./bare-fastify-child.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx'],
});
const barePort = await new Promise<number>((r) => bare.once('message', (p) => r(Number(p))));

type Result = {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
};
// autocannon runs as its own process so the load generator does not share the server's event loop.
const load = (path: string, o: { port?: number; key?: string } = {}) =>
  new Promise<Result>((resolve, reject) =>
    execFile(
      process.execPath,
      [
        'node_modules/autocannon/autocannon.js',
        '-c',
        '100',
        '-d',
        String(SECONDS),
        '-j',
        ...(o.key ? ['-H', `authorization=Bearer ${o.key}`] : []),
        `http://127.0.0.1:${o.port ?? 3415}${path}`,
      ],
      { maxBuffer: 1 << 24 },
      (err, out) => (err ? reject(err) : resolve(JSON.parse(out))),
    ),
  );

await load('/healthz'); // warm up
await load('/healthz', { port: barePort });
// Rounds of every load in turn; each ratio is taken within a round, then the median of the rounds,
// so a noisy neighbour that slows one stretch of the run does not decide a ratio.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const read = `/v1/invites/${codes[1]}`;
interface Round {
  bare: Result;
  health: Result;
  lookup: Result;
}
const rounds: Round[] = [];
for (let i = 0; i < ROUNDS; i++) {
  rounds.push({
    bare: await load('/healthz', { port: barePort }),
    health: await load('/healthz'),
    lookup: await load(`/v1/public/invites/${codes[0]}`),
  });
}
/** CPU microseconds per admin read with a key, 50 requests in flight (app.inject, no sockets). */
async function cpuPerRead(key: string, n: number) {
  const headers = { authorization: `Bearer ${key}` };
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i += 50)
    await Promise.all(
      Array.from({ length: 50 }, () => herald.app!.inject({ method: 'GET', url: read, headers })),
    );
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}
// The key check itself, alone: what a tenant key adds per request over an operator key (both
// resolve from memory once cached), set against the CPU one admin read costs in this process.
const auth = createAuth({
  operatorKeys: ['bench-key'],
  keys: createKeyStore(redis.client, dataPrefix('herald')),
  tenants: createTenantStore(redis.client, dataPrefix('herald')),
});
async function checkUs(key: string, n: number) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await auth.principal(key);
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}
if ((await auth.principal(tenantKey))?.keyId === undefined)
  throw new Error('the tenant key does not resolve');
await checkUs(tenantKey, 20_000);
const checks: { operator: number; tenant: number }[] = [];
for (let i = 0; i < 10; i++)
  checks.push({ operator: await checkUs('bench-key', 20_000), tenant: await checkUs(tenantKey, 20_000) });
await auth.close();
await cpuPerRead('bench-key', 2000);
const readCpuUs = median([
  await cpuPerRead('bench-key', 2000),
  await cpuPerRead('bench-key', 2000),
  await cpuPerRead('bench-key', 2000),
]);
const extraUs = median(checks.map((c) => c.tenant - c.operator));
const rps = (r: Result) => r.requests.average;
const mid = (f: (r: Round) => number, d = 2) => round(median(rounds.map(f)), d);
const failures = rounds.flatMap((r) => [r.health, r.lookup]).reduce((n, r) => n + r.non2xx + r.errors, 0);
report('http', {
  connections: 100,
  seconds: SECONDS,
  rounds: ROUNDS,
  bare_fastify_requests_per_s: mid((r) => rps(r.bare), 0),
  healthz_requests_per_s: mid((r) => rps(r.health), 0),
  healthz_p99_ms: mid((r) => r.health.latency.p99),
  healthz_to_bare: mid((r) => rps(r.health) / rps(r.bare)),
  lookup_requests_per_s: mid((r) => rps(r.lookup), 0),
  lookup_p99_ms: mid((r) => r.lookup.latency.p99),
  lookup_p50_ms: mid((r) => r.lookup.latency.p50),
  lookup_to_bare: mid((r) => rps(r.lookup) / rps(r.bare)),
  key_check_us_operator: round(median(checks.map((c) => c.operator)), 2),
  key_check_us_tenant: round(median(checks.map((c) => c.tenant)), 2),
  admin_read_cpu_us: round(readCpuUs, 1),
  tenant_key_cost: round(extraUs / readCpuUs, 3),
  non_2xx_or_errors: failures,
});
bare.kill();
await herald.close();
await redis.client.quit();
redis.stop();
process.exit(0);
