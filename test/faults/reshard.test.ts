import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../src/local-cluster.js';
import { startSink, waitFor, type Sink } from '../helpers.js';
import { callHerald, freePort, spawnHerald, type HeraldProcess } from '../processes.js';

// docs/operations.md's procedure for adding a master: stop Herald, add the node and move slots to it with
// redis-cli, start Herald again. A cluster of its own, since the test changes its shape.
let cluster: LocalCluster;
let sink: Sink;
let herald: HeraldProcess;
let base: string;
let port: number;

const call = (method: string, path: string, body?: unknown) => callHerald(base, method, path, body);

const start = async () => {
  herald = spawnHerald('all', {
    REDIS_CLUSTER_NODES: cluster.nodes.join(','),
    SMTP_URL: sink.url,
    PORT: String(port),
  });
  await herald.waitFor(/Herald API on/, 30_000);
};

const send = async (prefix: string, n: number) => {
  const r = await call('POST', '/v1/invites/send', {
    emails: Array.from({ length: n }, (_, i) => `${prefix}${i}@reshard.test`),
  });
  expect(r.status).toBe(202);
  return waitFor(
    async () => {
      const b = await call('GET', `/v1/batches/${r.body.batchId}`);
      return b.body.status === 'done' ? b.body : null;
    },
    60_000,
    'batch done',
  );
};

const listed = async () => (await call('GET', '/v1/invites?limit=100')).body.data as { id: string }[];

beforeAll(async () => {
  const c = await startLocalCluster(3, 17400, { dir: '/tmp/herald-reshard', nodeTimeoutMs: 3000 });
  if (!c) throw new Error('the reshard test needs redis-server on PATH');
  cluster = c;
  sink = await startSink();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await start();
}, 60_000);
afterAll(async () => {
  if (herald?.child.exitCode === null) herald.child.kill('SIGKILL');
  cluster?.stop();
  await sink?.close();
});

describe('adding a master with Herald stopped', () => {
  it('moves partitions to the new master; after a restart every invite is there and sends go on', async () => {
    onTestFailed(() => console.log(`Herald's output:\n${herald.output().slice(-8000)}`));
    expect(await send('a', 30)).toMatchObject({ created: 30, sent: 30 });
    const before = (await listed()).map((i) => i.id).sort();
    expect(before).toHaveLength(30);

    herald.child.kill('SIGTERM');
    expect(await herald.exited).toBe(0);
    const added = await cluster.addMaster();
    const moved = spawnSync(
      'redis-cli',
      ['--cluster', 'rebalance', cluster.nodes[0], '--cluster-use-empty-masters', '--cluster-yes'],
      { encoding: 'utf8' },
    );
    expect(moved.status, moved.stdout + moved.stderr).toBe(0);
    const fresh = new Redis(Number(added.split(':')[1]), '127.0.0.1');
    const onNew = (await fresh.keys('*:inv:*')).length;
    fresh.disconnect();
    expect(onNew).toBeGreaterThan(0);

    await start();
    expect((await listed()).map((i) => i.id).sort()).toEqual(before);
    for (const id of before) expect((await call('GET', `/v1/invites/${id}`)).status).toBe(200);
    expect(await send('b', 30)).toMatchObject({ created: 30, sent: 30 });
    const to = sink.messages.map((m) => m.to[0]);
    expect([to.length, new Set(to).size]).toEqual([60, 60]);
    console.log(
      `[reshard] a fourth master took ${onNew} of 30 invites; after the restart 60 of 60 delivered once`,
    );
  }, 120_000);
});
