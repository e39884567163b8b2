import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { redisAnswers, startLocalRedis, type LocalRedis } from './local-redis.js';

export interface LocalCluster {
  /** `host:port` of every master, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  /** `host:port` of every replica (none unless asked for). */
  replicas: string[];
  stop(): void;
  /** SIGKILL to the node on `port`, as a crashed machine would be. */
  kill(port: number): void;
  /** What each node sees (`CLUSTER NODES`, cluster_state) and its last log lines: for a failed test. */
  describe(): Promise<string>;
  /** Starts one more master and joins it (`redis-cli --cluster add-node`), holding no slots yet. */
  addMaster(): Promise<string>;
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
 * Starts a Redis Cluster on loopback (for the tests and benches of DESIGN §14): `masters`
 * redis-servers with `--cluster-enabled yes` and `replicas` replicas each, `redis-cli --cluster
 * create`, then waits until every node reports `cluster_state:ok` and every replica is in sync.
 * Null without redis-server.
 */
export async function startLocalCluster(
  masters = 3,
  from = 17000,
  o: { dir?: string; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<LocalCluster | null> {
  const { dir = '/tmp/herald-cluster', replicas = 0, nodeTimeoutMs = 15000 } = o;
  const ports = await freePorts(from, masters * (1 + replicas));
  const servers = new Map<number, LocalRedis>();
  const stop = () => servers.forEach((s) => s.kill());
  const startNode = async (port: number) => {
    const home = `${dir}-${process.pid}-${port}`;
    rmSync(home, { recursive: true, force: true });
    const s = await startLocalRedis(port, home, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-announce-ip',
      '127.0.0.1',
      '--cluster-node-timeout',
      String(nodeTimeoutMs),
      '--appendonly',
      'no',
    ]);
    if (s) servers.set(port, s);
    return s;
  };
  try {
    for (const port of ports) if (!(await startNode(port))) return (stop(), null);
    const all = ports.map((p) => `127.0.0.1:${p}`);
    const made = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...all, '--cluster-replicas', String(replicas), '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`redis-cli --cluster create failed: ${made.stdout}${made.stderr}`);
    const roles = new Map<number, string>();
    for (const port of ports) {
      const r = new Redis(port, '127.0.0.1', { lazyConnect: true });
      await r.connect();
      for (let i = 0; ; i++) {
        const info = (await r.cluster('INFO')) + (await r.info('replication'));
        const role = /role:(\w+)/.exec(info)![1];
        if (/cluster_state:ok/.test(info) && (role === 'master' || /master_link_status:up/.test(info))) {
          roles.set(port, role);
          break;
        }
        if (i > 200) throw new Error(`cluster node ${port} did not reach cluster_state:ok`);
        await new Promise((res) => setTimeout(res, 100));
      }
      r.disconnect();
    }
    const named = (role: string) => ports.filter((p) => roles.get(p) === role).map((p) => `127.0.0.1:${p}`);
    const addMaster = async () => {
      const [port] = await freePorts(Math.max(...servers.keys()) + 1, 1);
      await startNode(port);
      const node = `127.0.0.1:${port}`;
      const added = spawnSync('redis-cli', ['--cluster', 'add-node', node, all[0]], { encoding: 'utf8' });
      if (added.status !== 0) throw new Error(`redis-cli --cluster add-node failed: ${added.stdout}`);
      // Until gossip has told every node of every other and of the slots, moving a slot fails
      // ("I don't know about node …", "CLUSTERDOWN").
      const knowsAll = (port: number) => {
        const ask = (what: string) =>
          spawnSync('redis-cli', ['-p', String(port), 'cluster', what], { encoding: 'utf8' }).stdout;
        return ask('nodes').trim().split('\n').length >= servers.size && /cluster_state:ok/.test(ask('info'));
      };
      for (let i = 0; ![...servers.keys()].every(knowsAll); i++) {
        if (i > 100) throw new Error(`the cluster did not learn of ${node}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      return node;
    };
    const describe = async () => {
      const parts: string[] = [];
      for (const [port, s] of servers) {
        const ask = (...args: string[]) =>
          spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 2000 }).stdout;
        const state = /cluster_state:\w+/.exec(ask('cluster', 'info'))?.[0] ?? 'no answer';
        parts.push(`== node ${port}: ${state}\n${ask('cluster', 'nodes')}-- log:\n${s.log().slice(-3000)}`);
      }
      return parts.join('\n');
    };
    return {
      nodes: named('master'),
      describe,
      replicas: named('slave'),
      stop,
      kill: (port) => servers.get(port)?.kill(),
      addMaster,
    };
  } catch (err) {
    stop();
    throw err;
  }
}
