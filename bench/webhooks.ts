// Webhook delivery: 3,000 recorded events to one endpoint (a local receiver in its own process),
// delivered by one worker. Baseline in the same run: a hand-written loop that POSTs the same
// number of signed bodies one at a time over a kept-alive connection (the order Herald keeps
// allows one delivery at a time per endpoint).
import { fork } from 'node:child_process';
import http from 'node:http';
import { loadConfig } from '../src/config.js';
import { createHerald } from '../src/herald.js';
import { signature } from '../src/webhooks/sign.js';
import { benchRedis, report, round } from './lib.js';

const N = Number(process.env.BENCH_EVENTS ?? 3000);
const redis = await benchRedis(6418);
// The receiver counts POSTs and answers 204; it runs in a child so it does not share our loop.
const child = fork(new URL('./receiver-child.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx'],
});
const port = await new Promise<number>((r) => child.once('message', (m) => r(Number(m))));
const count = () =>
  new Promise<number>((r) => {
    child.once('message', (m) => r(Number(m)));
    child.send('count');
  });
const waitCount = async (n: number) => {
  while ((await count()) < n) await new Promise((r) => setTimeout(r, 20));
};

const env = {
  REDIS_URL: redis.url,
  API_KEYS: 'bench-key',
  INVITE_SECRET: 'bench-secret-0123456789',
  LOG_LEVEL: 'error',
  WEBHOOK_ALLOW_PRIVATE: 'true',
};
const start = (roles: { api: boolean; worker: boolean }) =>
  createHerald({ config: loadConfig(env), secret: env.INVITE_SECRET, apiKeys: ['bench-key'], roles });
const api = await start({ api: true, worker: false });
const post = (url: string, payload: object) =>
  api.app!.inject({ method: 'POST', url, headers: { authorization: 'Bearer bench-key' }, payload });
const hook = (
  await post('/v1/webhooks', { url: `http://127.0.0.1:${port}/hook`, events: ['invite.created'] })
).json();
for (let i = 0; i < N; i += 100) await post('/v1/invites', { count: Math.min(100, N - i) });

const t0 = performance.now();
const worker = await start({ api: false, worker: true });
await waitCount(N);
const heraldSeconds = (performance.now() - t0) / 1000;
await worker.close();

// baseline: the same number of signed POSTs in a loop, one at a time
const agent = new http.Agent({ keepAlive: true });
const body = JSON.stringify({
  type: 'invite.created',
  timestamp: new Date().toISOString(),
  data: { invite: { id: 'x' } },
});
const b0 = performance.now();
for (let i = 0; i < N; i++) {
  const ts = Math.floor(Date.now() / 1000);
  await new Promise<void>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/hook',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'webhook-id': `msg_${i}`,
          'webhook-timestamp': String(ts),
          'webhook-signature': signature([hook.secret], `msg_${i}`, ts, body),
        },
      },
      (res) => res.resume().on('end', () => resolve()),
    );
    req.on('error', reject);
    req.end(body);
  });
}
const loopSeconds = (performance.now() - b0) / 1000;
report('webhooks', {
  events: N,
  herald_seconds: round(heraldSeconds, 2),
  herald_events_per_s: round(N / heraldSeconds, 0),
  loop_events_per_s: round(N / loopSeconds, 0),
  ratio_to_loop: round(loopSeconds / heraldSeconds, 2),
});
child.kill();
await api.close();
await redis.client.quit();
redis.stop();
process.exit(0);
