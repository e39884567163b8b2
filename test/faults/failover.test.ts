import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { DELIVERY } from '../../src/jobs/queues.js';
import { queuePrefix } from '../../src/keys.js';
import { startLocalCluster, type LocalCluster } from '../../src/local-cluster.js';
import { sleep, startSink, waitFor, type Sink } from '../helpers.js';
import { callHerald, freePort, spawnHerald, type HeraldProcess } from '../processes.js';
import { startReceiver, type Receiver } from '../receiver.js';

// DESIGN §14 promises the same guarantees on a Redis Cluster; this is what a crashed master does
// to them. A cluster of its own (three masters, a replica each), since the test kills one.
let cluster: LocalCluster;
let sink: Sink;
let receiver: Receiver;
let herald: HeraldProcess;
let base: string;
let victimPort = 0;

const call = (method: string, path: string, body?: unknown) => callHerald(base, method, path, body);

async function listAll(): Promise<{ id: string; email: string; status: string }[]> {
  const all = [];
  for (let after = ''; ;) {
    const page = await call('GET', `/v1/invites?limit=100${after ? `&after=${after}` : ''}`);
    if (page.status !== 200) throw new Error(`list answered ${page.status}`);
    all.push(...page.body.data);
    if (!page.body.nextCursor) return all;
    after = page.body.nextCursor;
  }
}

/**
 * What a stalled batch looked like, short enough for the end of a CI log (which shows only its
 * tail): the batch, each delivery shard's job counts, each node's view of the slots, and the
 * distinct lines Herald logged (LOG_LEVEL=warn: warnings and errors only).
 */
async function diagnose(last: unknown): Promise<string> {
  const lines = [`last answer: ${JSON.stringify(last).slice(0, 400)}`];
  const seeds = cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) }));
  const c = new Cluster(seeds, { clusterRetryStrategy: () => null });
  for (let shard = 0; shard < 4; shard++) {
    const q = new Queue(DELIVERY, {
      connection: c,
      prefix: queuePrefix('herald', 'delivery', String(shard)),
    });
    const counts = await Promise.race([
      q
        .getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')
        .then(JSON.stringify),
      sleep(3000).then(() => 'no answer in 3 s'),
    ]).catch((err: Error) => err.message);
    lines.push(`shard ${shard}: ${counts}`);
    await q.close().catch(() => {});
  }
  c.disconnect();
  for (const port of [...cluster.nodes, ...cluster.replicas].map((n) => Number(n.split(':')[1]))) {
    const r = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
      commandTimeout: 2000,
    });
    const view = await r
      .connect()
      .then(async () => {
        const state = /cluster_state:\w+/.exec(await r.cluster('INFO'))?.[0];
        const nodes = String(await r.call('CLUSTER', 'NODES'))
          .trim()
          .split('\n')
          .map((l) => l.split(' '))
          .map(
            (f) =>
              `${f[1].split('@')[0].split(':')[1]}:${f[2].replace('myself,', '*')}${f[8] ? `[${f.slice(8).join(' ')}]` : ''}`,
          );
        return `${state} ${nodes.join(' ')}`;
      })
      .catch((err: Error) => `down (${err.message})`);
    r.disconnect();
    lines.push(`node ${port}: ${view}`);
  }
  const logged = [
    ...new Set(
      herald
        .output()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(0, 200)),
    ),
  ];
  lines.push(`Herald logged ${logged.length} distinct lines; the last 25:`, ...logged.slice(-25));
  return lines.join('\n');
}

// A delivery worker that stopped taking jobs after the failover is replaced after 30 s
// (src/jobs/watchdog.ts), and the sends it held then run: the wait allows for that twice (the
// create job's shard, then a send's).
const batchDone = async (batchId: string, ms = 60_000) => {
  let last: unknown = null;
  try {
    return await waitFor(
      async () => {
        const b = await call('GET', `/v1/batches/${batchId}`).catch((err: Error) => err.message);
        last = typeof b === 'string' ? b : { status: b.status, body: b.body };
        return typeof b !== 'string' && b.status === 200 && b.body.status === 'done' ? b.body : null;
      },
      ms,
      `batch ${batchId} done`,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (killed :${victimPort})\n${await diagnose(last)}`, {
      cause: err,
    });
  }
};

beforeAll(async () => {
  // A short node timeout so that the replica takes over within seconds.
  const c = await startLocalCluster(3, 17300, {
    dir: '/tmp/herald-failover',
    replicas: 1,
    // 5 s rather than less: on a loaded machine a shorter one may fail a live node over too.
    nodeTimeoutMs: 5000,
  });
  if (!c) throw new Error('the failover test needs redis-server on PATH');
  cluster = c;
  sink = await startSink();
  receiver = await startReceiver();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  herald = spawnHerald('all', {
    REDIS_CLUSTER_NODES: cluster.nodes.join(','),
    SMTP_URL: sink.url,
    PORT: String(port),
    SEND_BACKOFF: '200',
    SEND_ATTEMPTS: '30',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_BACKOFF: '200',
  });
  await herald.waitFor(/Herald API on/, 30_000);
}, 60_000);
afterAll(async () => {
  if (herald?.child.exitCode === null) herald.child.kill('SIGKILL');
  cluster?.stop();
  await sink?.close();
  await receiver?.close();
});

describe('a Redis Cluster master that crashes', () => {
  it('is replaced by its replica: no invite lost, no 500, accepts and sends carry on, nothing sent twice', async () => {
    onTestFailed(async () => {
      console.log(`Herald's output:\n${herald.output().slice(-8000)}`);
      console.log(`The cluster (victim :${victimPort}):\n${await cluster.describe()}`);
    });
    const hook = await call('POST', '/v1/webhooks', {
      url: receiver.url,
      events: ['invite.created', 'invite.sent', 'invite.accepted'],
    });
    expect(hook.status).toBe(201);
    const first = await call('POST', '/v1/invites/send', {
      emails: Array.from({ length: 40 }, (_, i) => `f${i}@failover.test`),
    });
    expect(first.status).toBe(202);
    await batchDone(first.body.batchId);
    const before = await listAll();
    expect(before).toHaveLength(40);

    // The master holding the most invites; its replica gets every write first (WAIT), so the
    // crash loses nothing that was acknowledged before it.
    // Roles as they are now (a busy machine may already have failed one over by itself).
    const ports = [...cluster.nodes, ...cluster.replicas].map((n) => Number(n.split(':')[1]));
    const held = [];
    for (const port of ports) {
      const r = new Redis(port, '127.0.0.1');
      if (/role:master/.test(await r.info('replication'))) held.push({ port, keys: await r.keys('*:inv:*') });
      r.disconnect();
    }
    const victim = held.sort((a, b) => b.keys.length - a.keys.length)[0];
    victimPort = victim.port;
    expect(victim.keys.length).toBeGreaterThan(0);
    const r = new Redis(victim.port, '127.0.0.1');
    await r.set(victim.keys[0].slice(0, victim.keys[0].indexOf('}') + 1) + ':failover-mark', '1');
    expect(await r.wait(1, 5000)).toBe(1);
    r.disconnect();
    const lost = new Set(victim.keys.map((k) => k.slice(k.lastIndexOf(':') + 1)));

    cluster.kill(victim.port);
    const killedAt = Date.now();
    // While the replica takes over, answers are 2xx or 503, never 500, and the process lives.
    const statuses = new Set<number>();
    await waitFor(
      async () => {
        const res = await call('GET', '/v1/invites?limit=100').catch(() => null);
        if (res) statuses.add(res.status);
        await sleep(100);
        return res?.status === 200 && (await listAll().catch(() => [])).length === 40;
      },
      45_000,
      'every invite listed again after the failover',
    );
    console.log(
      `[failover] killed master :${victim.port} holding ${lost.size} of 40 invites; all listed again after ${Date.now() - killedAt} ms; answers meanwhile: ${[...statuses].join(', ')}`,
    );
    expect([...statuses].every((s) => s === 200 || s === 503)).toBe(true);
    expect(herald.child.exitCode).toBeNull();

    // The invites on the crashed master: readable, and an accept changes exactly one of them.
    const onVictim = before.filter((i) => lost.has(i.id));
    expect(onVictim.length).toBe(victim.keys.length);
    for (const inv of onVictim)
      expect((await call('GET', `/v1/invites/${inv.id}`)).body.status).toBe('pending');
    const accepted = await waitFor(
      async () => {
        const a = await call('POST', `/v1/invites/${onVictim[0].id}/accept`, {
          userId: 'u1',
          email: onVictim[0].email,
        }).catch(() => null);
        return a?.status === 200 ? a.body : null;
      },
      20_000,
      'an accept on the promoted replica',
    );
    expect(accepted.status).toBe('accepted');
    const again = { userId: 'u2', email: onVictim[0].email };
    expect((await call('POST', `/v1/invites/${onVictim[0].id}/accept`, again)).body.error.code).toBe(
      'invite_used',
    );

    // Sends go on over every queue shard, including the ones the crashed master held.
    const second = await call('POST', '/v1/invites/send', {
      emails: Array.from({ length: 40 }, (_, i) => `g${i}@failover.test`),
    });
    expect(second.status).toBe(202);
    expect(await batchDone(second.body.batchId, 100_000)).toMatchObject({ created: 40, sent: 40, failed: 0 });
    const replaced = herald.output().match(/replacing it/g)?.length ?? 0;
    console.log(`[failover] second batch done; delivery workers replaced by the watchdog: ${replaced}`);
    const to = sink.messages.map((m) => m.to[0]);
    expect(to.length).toBe(80);
    expect(new Set(to).size).toBe(80);

    // Webhooks: every event of the feed reaches the endpoint, before and after the crash (80
    // created, 80 sent, 1 accepted), each at least once.
    const delivered = () => new Set(receiver.hits.map((x) => x.headers['webhook-id'] as string));
    const feed: string[] = [];
    for (let after = ''; ;) {
      const page = await call('GET', `/v1/events?limit=100${after ? `&after=${after}` : ''}`);
      feed.push(
        ...page.body.data
          .filter((e: { type: string }) => e.type.startsWith('invite.'))
          .map((e: { id: string }) => e.id),
      );
      if (!page.body.hasMore) break;
      after = page.body.nextCursor;
    }
    expect(feed.length).toBe(161);
    await waitFor(() => feed.every((id) => delivered().has(id)), 30_000, 'every event delivered');
    console.log(
      `[failover] webhooks: ${receiver.hits.length} deliveries of ${feed.length} events, ${receiver.hits.length - delivered().size} duplicates`,
    );
  }, 220_000);
});
