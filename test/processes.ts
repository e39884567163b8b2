import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_KEY, TEST_SECRET, sleep, waitFor } from './helpers.js';
import { startLocalRedis, type LocalRedis } from '../src/local-redis.js';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

export interface HeraldProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
}

/** Runs `src/main.ts <role>` as its own process, as the Procfile does. */
export function spawnHerald(role: 'api' | 'worker' | 'all', env: Record<string, string>): HeraldProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', ...(role === 'all' ? [] : [role])],
    {
      env: {
        ...process.env,
        API_KEYS: TEST_KEY,
        INVITE_SECRET: TEST_SECRET,
        LOG_LEVEL: 'warn',
        PUBLIC_URL: 'http://localhost:3000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    waitFor: (pattern, ms = 20_000) =>
      waitFor(() => pattern.test(out), ms, `${pattern} in output:\n${out}`).then(() => undefined),
  };
}

/** A private redis-server with AOF on (in a temporary folder), that a test may stop and start again. */
export async function privateRedis(port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-redis-'));
  let server: LocalRedis | null = null;
  const start = async () => {
    server = await startLocalRedis(port, dir, ['--appendfsync', 'always']);
    if (!server) throw new Error('these tests need redis-server on PATH');
  };
  // Waits for the process itself to end: "no PONG" alone may be a busy server still holding
  // the port, which the next start would then fail to bind.
  const stop = async () => {
    const s = server!;
    s.stop();
    const ended = await Promise.race([s.exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!ended) throw new Error('redis-server did not exit within 10 s of SIGTERM');
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop, kill: () => server?.kill() };
}

/** A JSON call with the test API key to a Herald process at `base`: its status and parsed body. */
export async function callHerald(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() };
}
