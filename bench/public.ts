// GET /v1/public/invites/:code under autocannon, 100 connections, rate limit raised for the run.
// Baseline in the same run: GET /healthz (no Redis work) on the same server.
import { execFile } from 'node:child_process';
import { loadConfig } from '../src/config.js';
import { createHerald } from '../src/herald.js';
import { benchRedis, report, round } from './lib.js';

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

type Result = {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
};
// autocannon runs as its own process so the load generator does not share the server's event loop.
const load = (path: string) =>
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
        `http://127.0.0.1:3415${path}`,
      ],
      { maxBuffer: 1 << 24 },
      (err, out) => (err ? reject(err) : resolve(JSON.parse(out))),
    ),
  );

await load('/healthz'); // warm up
const lookup = await load(`/v1/public/invites/${codes[0]}`);
const health = await load('/healthz');
report('public_lookup', {
  connections: 100,
  seconds: SECONDS,
  lookup_requests_per_s: round(lookup.requests.average, 0),
  lookup_p99_ms: lookup.latency.p99,
  lookup_p50_ms: lookup.latency.p50,
  lookup_non_2xx: lookup.non2xx,
  lookup_errors: lookup.errors,
  healthz_requests_per_s: round(health.requests.average, 0),
  healthz_p99_ms: health.latency.p99,
  ratio_to_healthz: round(lookup.requests.average / health.requests.average, 2),
});
await herald.close();
await redis.client.quit();
redis.stop();
process.exit(0);
