import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { redisAnswers, startLocalRedis, type LocalRedis } from './local-redis.js';

export interface LocalCluster {
  /** `host:port` of every master, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  stop(): void;
}

/** A free run of `count` ports (and their cluster-bus ports, +10000) near `from`. */
async function freePorts(from: number, count: number): Promise<number[]> {
  for (let base = from; base < from + 2000; base += count) {
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const taken = await Promise.all(
      ports.flatMap((p) => [p, p + 10000]).map((p) => redisAnswers('127.0.0.1', p, 100)),
    );
    if (!taken.some(Boolean)) return ports;
  }
  throw new Error(`no ${count} free ports from ${from}`);
}

/**
 * Starts a Redis Cluster of `masters` redis-servers on loopback with no replicas (for the tests
 * and benches of DESIGN §14): `redis-server --cluster-enabled yes` each, `redis-cli --cluster
 * create`, then waits until every node reports `cluster_state:ok`. Null without redis-server.
 */
export async function startLocalCluster(
  masters = 3,
  from = 17000,
  dir = '/tmp/herald-cluster',
): Promise<LocalCluster | null> {
  const ports = await freePorts(from, masters);
  const servers: LocalRedis[] = [];
  const stop = () => servers.forEach((s) => s.kill());
  for (const port of ports) {
    const home = `${dir}-${process.pid}-${port}`;
    rmSync(home, { recursive: true, force: true });
    const s = await startLocalRedis(port, home, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-announce-ip',
      '127.0.0.1',
      '--appendonly',
      'no',
    ]);
    if (!s) return (stop(), null);
    servers.push(s);
  }
  const nodes = ports.map((p) => `127.0.0.1:${p}`);
  const made = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
    {
      encoding: 'utf8',
    },
  );
  if (made.status !== 0) {
    stop();
    throw new Error(`redis-cli --cluster create failed: ${made.stdout}${made.stderr}`);
  }
  for (const port of ports) {
    const r = new Redis(port, '127.0.0.1', { lazyConnect: true });
    await r.connect();
    for (let i = 0; !/cluster_state:ok/.test(await r.cluster('INFO')); i++) {
      if (i > 100) throw (stop(), new Error(`cluster node ${port} did not reach cluster_state:ok`));
      await new Promise((res) => setTimeout(res, 100));
    }
    r.disconnect();
  }
  return { nodes, stop };
}
