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
  it('keeps every Herald key in one slot, and the delivery queue keys in another', async () => {
    expect(redisCluster()).not.toBe('');
    const a = api(h);
    const bulk = (await a.post('/v1/invites/send', { emails: ['a@c.test', 'b@c.test', 'c@c.test'] })).json();
    await waitForBatch(a, bulk.batchId);
    await sink.waitFor(3);

    const cluster = h.redis as unknown as Cluster;
    const slotsByKey = new Map<string, number>();
    for (const node of cluster.nodes('master')) {
      const keys = await node.keys(`*${h.prefix}*`);
      for (const k of keys) {
        slotsByKey.set(k, Number(await node.cluster('KEYSLOT', k)));
      }
    }
    const data = [...slotsByKey].filter(([k]) => k.startsWith(`${h.data}:`));
    const queue = [...slotsByKey].filter(([k]) => k.startsWith(`{${h.prefix}:d}:`));
    expect(data.length).toBeGreaterThan(10);
    expect(queue.length).toBeGreaterThan(0);
    expect(new Set(data.map(([, s]) => s)).size).toBe(1);
    expect(new Set(queue.map(([, s]) => s)).size).toBe(1);
    expect(data[0][1]).not.toBe(queue[0][1]);
  });
});
