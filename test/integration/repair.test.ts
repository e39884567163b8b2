import { partitionKeys, partitionPrefixes, queuePrefix } from '../../src/keys.js';
import { partitioning } from '../../src/invites/partitions.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDomain } from '../../src/invites/domain.js';
import { createQueues } from '../../src/jobs/queues.js';
import { systemClock } from '../../src/clock.js';
import {
  api,
  domainSettings,
  sleep,
  startHerald,
  startSink,
  type Sink,
  type TestHerald,
} from '../helpers.js';

// The window between storing an invite and queueing its send: the job is deleted from Redis by
// hand, as if the process had died between the two calls, and a sweep must bring the mail back.
let sink: Sink;
let web: TestHerald;
let worker: TestHerald | undefined;

beforeAll(async () => {
  sink = await startSink();
  web = await startHerald({ sink });
});
afterAll(async () => {
  await worker?.cleanup();
  await web.cleanup();
  await sink.close();
});

/** Removes a waiting send job the way a lost write would leave it: no hash, not in the list. */
async function loseJob(id: string) {
  const shard = partitioning(web.deliveryShards).ofId(id);
  const q = `${queuePrefix(web.prefix, 'delivery', String(shard))}:delivery`;
  const jobId = `send.${id}.1`;
  expect(await web.redis.exists(`${q}:${jobId}`)).toBe(1);
  await web.redis.multi().del(`${q}:${jobId}`).lrem(`${q}:wait`, 0, jobId).exec();
}

describe('repair of sends whose job was lost', () => {
  it('queues again exactly the sends with no job, and each address gets one message', async () => {
    const a = api(web);
    const create = async (email: string) => (await a.post('/v1/invites', { email })).json().id as string;
    const [lost, kept] = [await create('lost@repair.test'), await create('kept@repair.test')];
    await loseJob(lost);

    const queues = createQueues(web.redis, {
      prefix: web.prefix,
      sendAttempts: 3,
      sendBackoff: 50,
      shards: web.deliveryShards,
    });
    const domain = createDomain(web.redis, {
      prefix: web.data,
      partitions: web.partitions,
      clock: systemClock,
      jobs: queues.port,
      settings: domainSettings({ inviteTtl: 0, resendCooldown: 60 }),
    });
    // A grace period longer than their age: nothing is touched yet.
    expect(await domain.repairDeliveries(60_000)).toEqual({ checked: 0, requeued: 0 });
    expect(await domain.repairDeliveries(0)).toEqual({ checked: 2, requeued: 1 });
    expect(await domain.repairDeliveries(0)).toEqual({ checked: 2, requeued: 0 });
    await queues.close();

    // Through the scheduled path: a third send loses its job, then a worker starts and a sweep runs.
    const third = await create('third@repair.test');
    await loseJob(third);
    worker = await startHerald({
      sink,
      prefix: web.prefix,
      roles: { api: false, worker: true },
      env: { DELIVERY_REPAIR_AFTER: '1' },
    });
    await sleep(1100);
    expect((await a.post('/v1/sweeps/expire')).statusCode).toBe(202);
    await sink.waitFor(3);
    await sleep(500); // a duplicate would arrive within this
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual([
      'kept@repair.test',
      'lost@repair.test',
      'third@repair.test',
    ]);
    for (const id of [lost, kept, third]) {
      expect((await a.get(`/v1/invites/${id}`)).json().delivery).toMatchObject({ status: 'sent', sends: 1 });
    }
    // Delivered sends leave the queued index, so the next sweep has nothing to look at.
    const queued = partitionPrefixes(web.data, web.partitions).map((P) => partitionKeys(P).queued);
    for (const key of queued) expect(await web.redis.zcard(key)).toBe(0);
  });
});
