import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';

/** True when something answers PING at host:port within `ms`. */
export function redisAnswers(host: string, port: number, ms = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => (s.destroy(), resolve(ok));
    s.setTimeout(ms, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (b) => done(b.toString().startsWith('+PONG') || b.toString().startsWith('-NOAUTH')));
  });
}

export interface LocalRedis {
  url: string;
  /** SIGTERM: Redis flushes its AOF and exits. */
  stop(): void;
  kill(): void;
  /** The last lines this redis-server logged (for a test that failed to say what Redis did). */
  log(): string;
  /** Settles when this redis-server process has exited (its port is free again). */
  exited: Promise<void>;
}

/**
 * Starts a private redis-server from PATH on loopback (AOF on, noeviction; `extra` options
 * override those) — for `npm start` on a machine with none running, and for the tests and
 * benches that need a Redis of their own. Null when there is no redis-server binary; throws with
 * the server's own last log lines when it exits or never answers (a port in use, say).
 */
export async function startLocalRedis(
  port = 6379,
  dir = '.herald/redis',
  extra: string[] = [],
): Promise<LocalRedis | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const keep = (b: Buffer) => (log = (log + b.toString()).slice(-6000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let gone = false;
  const exited = new Promise<void>((r) => child.once('exit', () => ((gone = true), r())));
  // Only a PONG while our own child still runs counts: a server still shutting down on the
  // same port may answer for a moment.
  for (let i = 0; i < 100 && !gone; i++) {
    if ((await redisAnswers('127.0.0.1', port, 200)) && !gone) {
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: () => child.kill('SIGTERM'),
        kill: () => child.kill('SIGKILL'),
        log: () => log,
        exited,
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on 127.0.0.1:${port} ${gone ? 'exited' : 'did not answer'}:\n${log.trim()}`);
}
