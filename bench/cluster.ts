// One Redis against a local three-master Redis Cluster, in the same run: a bulk send of N
// addresses through one worker process (compiled build) to an SMTP server in another process,
// then Redis memory per delivered invite and how keys, memory and commands fell over the masters,
// and Redis CPU per delivered invite over all masters: on two cores the send is bound by CPU, so
// what one master adds to a deployment is the messages/s its core carries at that cost, if the
// cluster spreads the work evenly (the CPU share per master says how evenly it did).
import { execSync, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { createHerald } from '../src/herald.js';
import { startLocalCluster } from '../src/local-cluster.js';
import { benchRedis, report, round } from './lib.js';

const N = Number(process.env.BENCH_N ?? 5000);
const [SMTP, HTTP] = [2635, 2636];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const info = async (r: Redis, field: string) =>
  Number(new RegExp(`${field}:(\\d+)`).exec(await r.info())![1]);
const cpuMs = async (r: Redis) => {
  const i = await r.info('cpu');
  return (Number(/used_cpu_user:([\d.]+)/.exec(i)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(i)![1])) * 1000;
};
const calls = async (r: Redis) =>
  [...(await r.info('commandstats')).matchAll(/calls=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);

execSync('npm run build --silent', { stdio: 'inherit' });
const sink = spawn(process.execPath, ['--import', 'tsx', 'bench/smtp-sink.ts', String(SMTP), String(HTTP)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((r) => sink.stdout!.once('data', r));

/** Sends N invites through Herald on `redisEnv`; `nodes` are the servers to read memory from. */
async function deliver(redisEnv: Record<string, string>, nodes: Redis[]) {
  await fetch(`http://127.0.0.1:${HTTP}/reset`);
  const env = {
    ...redisEnv,
    SMTP_URL: `smtp://127.0.0.1:${SMTP}`,
    API_KEYS: 'bench-key',
    INVITE_SECRET: 'bench-secret-0123456789',
    LOG_LEVEL: 'error',
    BULK_MAX: String(N),
  };
  const worker = spawn(process.execPath, ['dist/main.js', 'worker'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((r) => worker.stdout!.on('data', (b) => /workers running/.test(String(b)) && r(null)));
  const api = await createHerald({
    config: loadConfig(env),
    secret: env.INVITE_SECRET,
    apiKeys: ['bench-key'],
    roles: { api: true, worker: false },
  });
  const mem0 = await Promise.all(nodes.map((n) => info(n, 'used_memory')));
  const calls0 = await Promise.all(nodes.map(calls));
  const cpu0 = await Promise.all(nodes.map(cpuMs));
  const t0 = performance.now();
  const emails = Array.from({ length: N }, (_, i) => `r${i}@bench.test`);
  const res = await api.app!.inject({
    method: 'POST',
    url: '/v1/invites/send',
    headers: { authorization: 'Bearer bench-key' },
    payload: { emails, inviter: { name: 'Bench' }, scope: { type: 'org', id: 'bench' } },
  });
  if (res.statusCode !== 202) throw new Error(res.body);
  await fetch(`http://127.0.0.1:${HTTP}/wait?n=${N}`);
  const seconds = (performance.now() - t0) / 1000;
  await sleep(500); // the last delivery records land after the SMTP server has the message
  const mem = (await Promise.all(nodes.map((n) => info(n, 'used_memory')))).map((m, i) => m - mem0[i]);
  const cmds = (await Promise.all(nodes.map(calls))).map((c, i) => c - calls0[i]);
  const cpu = (await Promise.all(nodes.map(cpuMs))).map((c, i) => c - cpu0[i]);
  const cpuTotal = cpu.reduce((s, c) => s + c, 0);
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await api.close();
  const total = mem.reduce((s, m) => s + m, 0);
  return {
    messages_per_s: round(N / seconds, 0),
    bytes_per_delivered_invite: round(total / N, 0),
    memory_share_per_master: mem.map((m) => round(m / total, 2)),
    command_share_per_master: cmds.map((c) => round(c / cmds.reduce((s, x) => s + x, 0), 2)),
    redis_cpu_ms_per_message: round(cpuTotal / N, 3),
    cpu_share_per_master: cpu.map((c) => round(c / cpuTotal, 2)),
    // One master's core, busy only with this, at the measured cost per message.
    messages_per_s_per_master: round(N / (cpuTotal / 1000), 0),
  };
}

const single = await benchRedis(6421);
const one = await deliver({ REDIS_URL: single.url }, [single.client]);
await single.client.quit();
single.stop();

const cluster = (await startLocalCluster(3, 17100))!;
const seeds = cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) }));
const masters = seeds.map((s) => new Redis(s.port, s.host));
const three = await deliver({ REDIS_CLUSTER_NODES: cluster.nodes.join(',') }, masters);
await Promise.all(masters.map((m) => m.quit()));
cluster.stop();
sink.kill();

report('cluster', {
  messages: N,
  one_redis: one,
  cluster_three_masters: three,
  ratio_cluster_to_one: round(three.messages_per_s / one.messages_per_s, 2),
});
process.exit(0);
