import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { createDomain } from '../../src/invites/domain.js';
import { partitioning } from '../../src/invites/partitions.js';
import { noJobs } from '../../src/invites/ports.js';
import { LIBRARY } from '../../src/invites/store.js';
import { partitionPrefixes } from '../../src/keys.js';
import { api, domainSettings, scanKeys, startHerald, type TestHerald } from '../helpers.js';

// A batch may span partitions, so its end is a check over all of them after the last send's
// script (store.finishBatch). These tests stop short of that check, as a worker killed between
// the two would, and see the sweep's repair end the batch once.
const clock = manualClock();
let h: TestHerald;
let domain: ReturnType<typeof createDomain>;

beforeAll(async () => {
  h = await startHerald({ clock });
  domain = createDomain(h.redis, {
    prefix: h.data,
    partitions: h.partitions,
    clock,
    jobs: noJobs,
    settings: domainSettings(),
  });
});
afterAll(() => h.cleanup());

/** Records a sent first message with the delivery script alone, skipping the batch check after it. */
async function sentWithoutCheck(id: string, batchId: string) {
  const P = partitionPrefixes(h.data, h.partitions)[partitioning(h.partitions).ofId(id)];
  // The library is loaded: the domain's store has stored these invites with it.
  await h.redis.fcall(
    LIBRARY.fn('delivery'),
    1,
    P,
    clock.now(),
    id,
    1,
    'sent',
    `<${id}@t>`,
    batchId,
    'invite',
    '0',
  );
}

describe('a batch whose last send was recorded by a worker that died before the batch check', () => {
  it('stays running until the sweep repair, which ends it once with batch.completed', async () => {
    const emails = Array.from({ length: 12 }, (_, i) => `b${i}@batches.test`);
    const { batchId } = await domain.bulk.intake({ emails: [...emails, 'B0@batches.test'] });
    await domain.bulk.processChunk(batchId, 0);
    const ids = await domain.store.setMembers('batch', batchId);
    expect(ids).toHaveLength(12);
    for (const id of ids) await sentWithoutCheck(id, batchId);
    expect(await domain.bulk.batch(batchId)).toMatchObject({ status: 'running', created: 12, sent: 12 });
    const completed = async () =>
      (await api(h).get('/v1/events?type=batch.completed&limit=100'))
        .json()
        .data.filter((e: { data: { batch: { id: string } } }) => e.data.batch.id === batchId);
    expect(await completed()).toHaveLength(0);
    const results = () => scanKeys(h.redis, `*:batch:${batchId}:done:*`);
    expect((await results()).length).toBeGreaterThan(0);

    expect(await domain.store.finishBatches(clock.now())).toBe(1);
    // Ended: the chunk results a retried create job would queue sends from are gone, and it queues none.
    expect(await results()).toEqual([]);
    expect(await domain.bulk.processChunk(batchId, 0)).toEqual({ created: 0, duplicates: 0 });
    expect(await domain.store.finishBatches(clock.now())).toBe(0);
    expect(await domain.bulk.batch(batchId)).toMatchObject({ status: 'done', created: 12, sent: 12 });
    const [event] = await completed();
    expect(event.data.batch).toMatchObject({ status: 'done', total: 12, created: 12, sent: 12, failed: 0 });
    expect(await completed()).toHaveLength(1);
  });

  it('is not ended early: a chunk not yet stored keeps it open whatever the sends say', async () => {
    const emails = Array.from({ length: 3 }, (_, i) => `c${i}@batches.test`);
    const { batchId } = await domain.bulk.intake({ emails });
    expect(await domain.store.finishBatches(clock.now())).toBe(0);
    expect(await domain.bulk.batch(batchId)).toMatchObject({ status: 'queued', created: 0 });
    await domain.bulk.processChunk(batchId, 0);
    const ids = await domain.store.setMembers('batch', batchId);
    for (const id of ids.slice(0, 2)) await sentWithoutCheck(id, batchId);
    expect(await domain.store.finishBatches(clock.now())).toBe(0);
    await domain.store.delivery({
      now: clock.now(),
      id: ids[2],
      seq: 1,
      outcome: 'failed',
      info: '550 no',
      batchId,
      kind: 'invite',
    });
    // The store's own check after the last send ended it; the repair finds nothing to do.
    expect(await domain.bulk.batch(batchId)).toMatchObject({ status: 'done', sent: 2, failed: 1 });
    expect(await domain.store.finishBatches(clock.now())).toBe(0);
  });
});

describe("a bulk invite's audit trail", () => {
  it('names its batch, though the line in the invite leaves it out; as well once the lines leave the invite', async () => {
    const { batchId } = await domain.bulk.intake({
      emails: ['t0@batches.test', 't1@batches.test'],
      maxUses: 0,
    });
    await domain.bulk.processChunk(batchId, 0);
    const [long, gone] = await domain.store.setMembers('batch', batchId);
    const trail = async (id: string) => (await api(h).get(`/v1/invites/${id}/events`)).json().data;
    const key = (id: string) =>
      `${partitionPrefixes(h.data, h.partitions)[partitioning(h.partitions).ofId(id)]}:inv:${id}`;
    // In the invite's key, the created line is the type and the time alone: the invite holds the batch.
    expect((await h.redis.get(key(gone)))!.split('\n')[1]).toMatch(/^created:[0-9a-z]{8}$/);
    expect((await trail(gone))[0]).toMatchObject({ type: 'created', batchId });
    // Deleted: the trail moves to a key of its own, the batch written into its line.
    expect((await api(h).del(`/v1/invites/${gone}`)).statusCode).toBe(204);
    expect(await h.redis.get(key(gone))).toBeNull();
    expect((await trail(gone)).map((e: { type: string; batchId?: string }) => [e.type, e.batchId])).toEqual([
      ['created', batchId],
      ['queued', undefined],
      ['deleted', undefined],
    ]);
    // A long history: past 2 KB the older lines, the created one first, move out of the invite.
    const { email } = (await api(h).get(`/v1/invites/${long}`)).json();
    for (let i = 0; i < 70; i++)
      await api(h).post(`/v1/invites/${long}/accept`, { userId: `trail-${i}`, email });
    expect(await h.redis.strlen(key(long).replace(':inv:', ':ev:'))).toBeGreaterThan(0);
    expect((await h.redis.get(key(long))!)?.split('\n')[1]).not.toMatch(/^created/);
    const all = await trail(long);
    expect(all[0]).toMatchObject({ type: 'created', batchId });
    expect(all.filter((e: { type: string }) => e.type === 'accepted')).toHaveLength(70);
  });
});
