// One 10,000-address bulk send until an SMTP server in another process has accepted all of it,
// against two baselines in the same run: a hand-written loop sending one pre-rendered message
// through one pooled nodemailer transport (10 connections, 20 in flight, no queue, no store) —
// the floor any queue-backed sender pays — and a naive pipeline (mjml2html and a new SMTP
// connection per message).
import { execSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import mjml2html from 'mjml';
import nodemailer from 'nodemailer';
import { loadConfig } from '../src/config.js';
import { createHerald } from '../src/herald.js';
import { benchRedis, cpuSeconds, peakRssMb, redisCpuSeconds, report, round } from './lib.js';

const N = Number(process.env.BENCH_N ?? 10_000);
const NAIVE_N = Number(process.env.BENCH_NAIVE_N ?? N);
const concurrency = process.env.WORKER_CONCURRENCY ?? '20';
const pool = process.env.SMTP_POOL ?? '10';
const [SMTP, HTTP] = [2625, 2626];

const redis = await benchRedis(6411);
const sink = spawn(process.execPath, ['--import', 'tsx', 'bench/smtp-sink.ts', String(SMTP), String(HTTP)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((r) => sink.stdout!.once('data', r));
const env = {
  REDIS_URL: redis.url,
  SMTP_URL: `smtp://127.0.0.1:${SMTP}`,
  API_KEYS: 'bench-key',
  INVITE_SECRET: 'bench-secret-0123456789',
  LOG_LEVEL: 'error',
  WORKER_CONCURRENCY: concurrency,
  SMTP_POOL: pool,
  BULK_MAX: String(N),
};
// Workers run as in production: the compiled build (`npm run build`), as the Procfile does.
execSync('npm run build --silent', { stdio: 'inherit' });
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=bench/profiles'] : [];
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const workers = Array.from({ length: WORKERS }, () =>
  spawn(process.execPath, [...profile, 'dist/main.js', 'worker'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  }),
);
await Promise.all(
  workers.map(
    (w) => new Promise((r) => w.stdout!.on('data', (b) => /workers running/.test(String(b)) && r(null))),
  ),
);

const api = await createHerald({
  config: loadConfig(env),
  secret: env.INVITE_SECRET,
  apiKeys: ['bench-key'],
  roles: { api: true, worker: false },
});
const emails = Array.from({ length: N }, (_, i) => `r${i}@bench.test`);
const cpu0 = {
  workers: workers.map((w) => cpuSeconds(w.pid!)),
  sink: cpuSeconds(sink.pid!),
  api: process.cpuUsage(),
};
const redisCpu = () => redisCpuSeconds(redis.client);
const redis0 = await redisCpu();
if (process.env.BENCH_PROFILE) {
  // Every command's time, to split Redis' work by script (printed after the run).
  await redis.client.config('SET', 'slowlog-log-slower-than', '0');
  await redis.client.config('SET', 'slowlog-max-len', '1000000');
  await redis.client.slowlog('RESET');
}
const t0 = performance.now();
const res = await api.app!.inject({
  method: 'POST',
  url: '/v1/invites/send',
  headers: { authorization: 'Bearer bench-key' },
  payload: { emails, inviter: { name: 'Bench' }, scope: { type: 'org', id: 'bench' } },
});
if (res.statusCode !== 202) throw new Error(res.body);
await fetch(`http://127.0.0.1:${HTTP}/wait?n=${N}`);
const heraldSeconds = (performance.now() - t0) / 1000;
const rss = Math.max(...workers.map((w) => peakRssMb(w.pid!)));
const apiUse = process.cpuUsage(cpu0.api);
const cpu = {
  workers: round(workers.reduce((s, w, i) => s + cpuSeconds(w.pid!) - cpu0.workers[i], 0)),
  smtp_sink: round(cpuSeconds(sink.pid!) - cpu0.sink),
  redis: round((await redisCpu()) - redis0),
  api_and_bench: round((apiUse.user + apiUse.system) / 1e6),
};
if (process.env.BENCH_PROFILE) {
  const stats = (await redis.client.info('commandstats')).split('\n').filter((l) => l.startsWith('cmdstat_'));
  const top = stats
    .map((l) => ({ l, usec: Number(/usec=(\d+)/.exec(l)![1]) }))
    .sort((a, b) => b.usec - a.usec)
    .slice(0, 8);
  console.error(top.map((t) => t.l).join('\n'));
  // Redis time per script and command, per delivered message (from the slow log, every call).
  const log = (await redis.client.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][];
  const by = new Map<string, { calls: number; us: number }>();
  for (const [, , us, args] of log) {
    const cmd = args[0].toLowerCase();
    // Herald's scripts are functions (FCALL herald_<digest>_<script>); BullMQ's are EVALSHA.
    const herald = cmd === 'fcall' ? args[1].replace(/^herald_[0-9a-f]+_/, '') : null;
    const name =
      herald ??
      (cmd === 'evalsha'
        ? `bullmq ${String(args[3]).split(':').slice(-1)[0]} (${args[1].slice(0, 7)})`
        : cmd);
    const e = by.get(name) ?? { calls: 0, us: 0 };
    e.calls += 1;
    e.us += us;
    by.set(name, e);
  }
  const rows = [...by].sort((a, b) => b[1].us - a[1].us).slice(0, 12);
  for (const [name, e] of rows)
    console.error(
      `${name}: ${e.calls} calls, ${round(e.us / e.calls, 1)} µs each, ${round(e.us / N, 1)} µs per message`,
    );
}

// The pooled loop: the message is rendered once; only the recipient changes.
const source = readFileSync('templates/en/invite/body.mjml', 'utf8');
await fetch(`http://127.0.0.1:${HTTP}/reset`);
const rendered = await mjml2html(
  source.replaceAll('{{inviterName}}', 'Bench').replaceAll('{{url}}', 'http://localhost:3000/i/x'),
  { validationLevel: 'skip' },
);
const pooled = nodemailer.createTransport(`${env.SMTP_URL}?pool=true&maxConnections=10`);
const tp = performance.now();
const loopCpu0 = process.cpuUsage();
let sentPooled = 0;
await Promise.all(
  Array.from({ length: 20 }, async () => {
    while (sentPooled < N) {
      const i = sentPooled++;
      await pooled.sendMail({
        from: 'a@b.test',
        to: `r${i}@bench.test`,
        subject: 'Invite',
        html: rendered.html,
        text: 'Invite',
      });
    }
  }),
);
pooled.close();
const pooledSeconds = (performance.now() - tp) / 1000;
// Herald's CPU against the loop's, the SMTP server left out of both (the same server takes both).
const loopUse = process.cpuUsage(loopCpu0);
const loopCpu = (loopUse.user + loopUse.system) / 1e6;
const heraldCpu = cpu.workers + cpu.redis + cpu.api_and_bench;

// The naive pipeline: compile MJML and open a new SMTP connection for every message.
await fetch(`http://127.0.0.1:${HTTP}/reset`);
const t1 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (next < NAIVE_N) {
      const i = next++;
      const { html } = await mjml2html(
        source.replaceAll('{{inviterName}}', 'Bench').replaceAll('{{url}}', `http://localhost:3000/i/${i}`),
        { validationLevel: 'skip' },
      );
      const t = nodemailer.createTransport(env.SMTP_URL);
      await t.sendMail({ from: 'a@b.test', to: `r${i}@bench.test`, subject: 'Invite', html, text: 'Invite' });
      t.close();
    }
  }),
);
const naiveSeconds = (performance.now() - t1) / 1000;

report('e2e', {
  messages: N,
  worker_processes: WORKERS,
  worker_concurrency: Number(concurrency),
  smtp_pool: Number(pool),
  herald_seconds: round(heraldSeconds),
  herald_messages_per_s: round(N / heraldSeconds, 0),
  worker_peak_rss_mb: rss,
  cpu_seconds_during_herald_run: cpu,
  pooled_loop_messages_per_s: round(N / pooledSeconds, 0),
  herald_cpu_ms_per_message: round((heraldCpu * 1000) / N, 3),
  redis_cpu_ms_per_message: round((cpu.redis * 1000) / N, 3),
  loop_cpu_ms_per_message: round((loopCpu * 1000) / N, 3),
  herald_cpu_to_loop: round(heraldCpu / loopCpu, 2),
  ratio_to_pooled_loop: round(pooledSeconds / heraldSeconds, 2),
  naive_messages: NAIVE_N,
  naive_messages_per_s: round(NAIVE_N / naiveSeconds, 0),
  ratio: round(N / heraldSeconds / (NAIVE_N / naiveSeconds), 1),
});
for (const w of workers) w.kill('SIGTERM');
await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
sink.kill();
await api.close();
await redis.client.quit();
redis.stop();
process.exit(0);
