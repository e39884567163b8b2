// The HTTP stack under autocannon, 100 connections, rate limit raised for the run: GET /healthz
// and GET /v1/public/invites/:code against a bare Fastify route. Both run as BENCH_PROCESSES
// processes each (3; Herald's from the compiled build, as deployed): one process of the same file
// varied ±25 % from the next on this machine (V8's warm-up and where the scheduler put it), so
// each figure is the median over processes (BENCH_PIN=1 pins servers and autocannon to a core
// each). And an admin read (GET /v1/invites/:id) with an operator key against a tenant key
// (DESIGN §15: the key check, cached 1 s, should cost at most 5 %): the check alone, timed per
// call, set against the CPU one admin read costs (whole-request comparisons drown in this
// machine's noise). Every figure comes from the same run.
import { execFile, execFileSync, execSync, fork } from 'node:child_process';
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

// Herald's API processes run the compiled build, as the Procfile's `web` does (herald-api-child.ts).
execSync('npm run build --silent', { stdio: 'inherit' });
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 3);
// BENCH_PIN=1: servers on the second core, autocannon on the first (taskset). Steadier for the
// healthz ratio, but a look-up's server then shares its core with Redis.
const pinned = (() => {
  if (!process.env.BENCH_PIN) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // no taskset: unpinned, noisier
  }
})();
const start = async (file: string) => {
  const child = fork(new URL(file, import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
  });
  const port = await new Promise<number>((r) => child.once('message', (p) => r(Number(p))));
  if (pinned) execFileSync('taskset', ['-a', '-cp', '1', String(child.pid)], { stdio: 'ignore' });
  return { child, port };
};
const bares = [];
const heralds = [];
for (let i = 0; i < PROCESSES; i++) {
  bares.push(await start('./bare-fastify-child.ts'));
  heralds.push(await start('./herald-api-child.ts'));
}

type Result = {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
};
// autocannon runs as its own process so the load generator does not share the server's event loop.
const load = (path: string, o: { port: number; key?: string }) =>
  new Promise<Result>((resolve, reject) =>
    execFile(
      pinned ? 'taskset' : process.execPath,
      [
        ...(pinned ? ['-c', '0', process.execPath] : []),
        'node_modules/autocannon/autocannon.js',
        '-c',
        '100',
        '-d',
        String(SECONDS),
        '-j',
        ...(o.key ? ['-H', `authorization=Bearer ${o.key}`] : []),
        `http://127.0.0.1:${o.port}${path}`,
      ],
      { maxBuffer: 1 << 24 },
      (err, out) => (err ? reject(err) : resolve(JSON.parse(out))),
    ),
  );

for (const p of [...bares, ...heralds]) await load('/healthz', { port: p.port }); // warm up
// Rounds of every process in turn; per process the mean of its rounds, then the median over the
// processes of each kind.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const read = `/v1/invites/${codes[1]}`;
const runs = { bare: [] as Result[][], health: [] as Result[][], lookup: [] as Result[][] };
for (let i = 0; i < PROCESSES; i++) for (const k of Object.values(runs)) k.push([]);
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < PROCESSES; i++) {
    runs.bare[i].push(await load('/healthz', { port: bares[i].port }));
    runs.health[i].push(await load('/healthz', { port: heralds[i].port }));
    runs.lookup[i].push(await load(`/v1/public/invites/${codes[0]}`, { port: heralds[i].port }));
  }
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
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The median over processes of each process's mean over its rounds. */
const perProcess = (kind: Result[][], f: (r: Result) => number) => median(kind.map((rs) => mean(rs.map(f))));
const rps = (r: Result) => r.requests.average;
const bareRps = perProcess(runs.bare, rps);
const failures = [...runs.health, ...runs.lookup].flat().reduce((n, r) => n + r.non2xx + r.errors, 0);
report('http', {
  connections: 100,
  seconds: SECONDS,
  rounds: ROUNDS,
  processes_each: PROCESSES,
  pinned,
  bare_fastify_requests_per_s: round(bareRps, 0),
  bare_per_process: runs.bare.map((rs) => round(mean(rs.map(rps)), 0)),
  healthz_requests_per_s: round(perProcess(runs.health, rps), 0),
  healthz_per_process: runs.health.map((rs) => round(mean(rs.map(rps)), 0)),
  healthz_p99_ms: round(perProcess(runs.health, (r) => r.latency.p99)),
  healthz_to_bare: round(perProcess(runs.health, rps) / bareRps),
  lookup_requests_per_s: round(perProcess(runs.lookup, rps), 0),
  lookup_p99_ms: round(perProcess(runs.lookup, (r) => r.latency.p99)),
  lookup_p50_ms: round(perProcess(runs.lookup, (r) => r.latency.p50)),
  lookup_to_bare: round(perProcess(runs.lookup, rps) / bareRps),
  key_check_us_operator: round(median(checks.map((c) => c.operator)), 2),
  key_check_us_tenant: round(median(checks.map((c) => c.tenant)), 2),
  admin_read_cpu_us: round(readCpuUs, 1),
  tenant_key_cost: round(extraUs / readCpuUs, 3),
  non_2xx_or_errors: failures,
});
for (const p of [...bares, ...heralds]) p.child.kill('SIGTERM');
await herald.close();
await redis.client.quit();
redis.stop();
process.exit(0);
