import { execSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startLocalRedis } from '../src/local-redis.js';

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** What the figures were measured on. */
export function machine() {
  let redis = 'unknown';
  try {
    redis =
      execSync('redis-server --version')
        .toString()
        .match(/v=([\d.]+)/)?.[1] ?? redis;
  } catch {
    // no redis-server on PATH: the figure says unknown
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    redis,
    date: new Date().toISOString(),
  };
}

/** Prints the figures as one JSON line, so runs can be compared. */
export function report(name: string, figures: Record<string, unknown>) {
  console.log(JSON.stringify({ bench: name, ...figures, machine: machine() }));
}

/** A fresh redis-server of the bench's own, so memory and timings see nothing else. */
export async function benchRedis(port: number) {
  const server = await startLocalRedis(port, mkdtempSync(join(tmpdir(), 'herald-bench-redis-')), [
    '--appendonly',
    'no',
  ]);
  if (!server) throw new Error('the benches need redis-server on PATH');
  return { url: server.url, client: new Redis(server.url), stop: () => server.kill() };
}

/** CPU seconds (user + system) a Redis server has used so far, from INFO. */
export async function redisCpuSeconds(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
}

/** Peak resident memory of a process (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  try {
    const status = execSync(`cat /proc/${pid}/status`).toString();
    return round(Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024, 1);
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const f = execSync(`cat /proc/${pid}/stat`).toString().split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}
