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

/**
 * Starts a private redis-server from PATH (AOF on, noeviction) for `npm start` on a machine
 * with none running. Returns its URL, or null when there is no redis-server binary.
 */
export async function startLocalRedis(port = 6379, dir = '.herald/redis'): Promise<{ url: string; stop(): void } | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', ''],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers('127.0.0.1', port, 200)) return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  return null;
}
