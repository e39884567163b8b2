import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  redisCluster,
  startHerald,
  startSink,
  waitForBatch,
  type Sink,
  type TestHerald,
} from '../helpers.js';

// Runs in the "cluster" project only (vitest.config.ts): the layout of src/keys.ts on a real
// three-master cluster. The behaviour itself is what the other cluster-project files test.
let h: TestHerald;
let sink: Sink;

beforeAll(async () => {
  sink = await startSink();
  h = await startHerald({ sink, roles: { api: true, worker: true } });
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

describe('on a Redis Cluster', () => {
  it('spreads invites and delivery queue shards over every master; each partition and each shard is one slot', async () => {
    expect(redisCluster()).not.toBe('');
    expect(h.partitions).toBe(16);
    const a = api(h);
    const emails = Array.from({ length: 60 }, (_, i) => `p${i}@c.test`);
    const bulk = (await a.post('/v1/invites/send', { emails })).json();
    await waitForBatch(a, bulk.batchId);
    await sink.waitFor(60);

    const cluster = h.redis as unknown as Cluster;
    const tagOf = (k: string) => k.slice(0, k.indexOf('}') + 1);
    const slots = new Map<string, Set<number>>(); // hash tag -> slots its keys are in
    const invitesPerMaster: number[] = [];
    for (const node of cluster.nodes('master')) {
      const keys = await node.keys(`*${h.prefix}*`);
      invitesPerMaster.push(keys.filter((k) => k.includes(':inv:')).length);
      for (const k of keys) {
        const tag = tagOf(k);
        slots.set(tag, (slots.get(tag) ?? new Set()).add(Number(await node.cluster('KEYSLOT', k))));
      }
    }
    for (const [, s] of slots) expect(s.size).toBe(1);
    const partitionTags = [...slots.keys()].filter((t) => /^\{[^}]+:\d+\}$/.test(t));
    expect(partitionTags.length).toBeGreaterThan(8); // 60 addresses over 16 partitions
    expect(invitesPerMaster.reduce((x, y) => x + y, 0)).toBe(60);
    // Every master holds invites: none carries them all.
    expect(invitesPerMaster.every((n) => n > 0 && n < 60)).toBe(true);
    // The delivery queue's four shards each got jobs, each shard its own tag.
    expect(h.deliveryShards).toBe(4);
    for (const tag of [`{${h.prefix}:d}`, `{${h.prefix}:d1}`, `{${h.prefix}:d2}`, `{${h.prefix}:d3}`])
      expect(slots.has(tag)).toBe(true);
  });

  it('refuses to start workers when any one master may evict keys, naming it', async () => {
    const masters = (h.redis as unknown as Cluster).nodes('master');
    const last = masters[masters.length - 1];
    await last.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      await expect(startHerald({ sink, roles: { api: false, worker: true } })).rejects.toThrow(
        `maxmemory-policy is "allkeys-lru" on ${last.options.host}:${last.options.port}`,
      );
    } finally {
      await last.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });
});
