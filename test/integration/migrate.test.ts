import { describe, expect, it } from 'vitest';
import { migrateKeys } from '../../src/migrate-keys.js';
import { api, rawRedis, scanKeys, startHerald, uniquePrefix } from '../helpers.js';

/** The name a key had in the layout before hash tags: `{p}:x` → `p:x`, `{p:d}:delivery:x` → `p:q:delivery:x`. */
const legacyName = (p: string, key: string) =>
  key.replace(`{${p}:d}:`, `${p}:q:`).replace(`{${p}:m}:`, `${p}:q:`).replace(`{${p}}:`, `${p}:`);

describe('a Redis in the layout before hash tags', () => {
  it('is refused at start with the command to run, and that command moves every key', async () => {
    const prefix = uniquePrefix();
    const first = await startHerald({ prefix });
    const a = api(first);
    const inv = (await a.post('/v1/invites', { email: 'old@layout.test' })).json();
    await first.close();
    await first.redis.quit();

    const redis = rawRedis();
    const keys = await scanKeys(redis, `*${prefix}*`);
    for (const k of keys) await redis.rename(k, legacyName(prefix, k));
    expect(await redis.exists(`${prefix}:events`)).toBe(1);

    await expect(startHerald({ prefix })).rejects.toThrow(/npm run migrate-keys/);

    // An index of the older layout that lists no longer use goes.
    await redis.zadd(`${prefix}:x:status:pending`, 0, inv.id);
    expect(await migrateKeys(redis, prefix)).toEqual({ moved: keys.length + 1, kept: [], dropped: 1 });
    expect(await redis.exists(`{${prefix}}:x:status:pending`)).toBe(0);
    expect((await scanKeys(redis, `*${prefix}*`)).sort()).toEqual(keys.sort());

    const second = await startHerald({ prefix });
    const again = (await api(second).get(`/v1/invites/${inv.id}`)).json();
    expect(again).toMatchObject({ id: inv.id, email: 'old@layout.test', status: 'pending' });
    await second.cleanup();
    await redis.quit();
  });
});

describe('the number of partitions', () => {
  it('is fixed with the data: another count is refused at start, naming the one to set', async () => {
    const prefix = uniquePrefix();
    const first = await startHerald({ prefix, env: { REDIS_PARTITIONS: '2' } });
    const inv = (await api(first).post('/v1/invites', { email: 'fixed@parts.test' })).json();
    await first.close();
    await first.redis.quit();
    await expect(startHerald({ prefix, env: { REDIS_PARTITIONS: '3' } })).rejects.toThrow(
      /REDIS_PARTITIONS=2/,
    );
    const second = await startHerald({ prefix, env: { REDIS_PARTITIONS: '2' } });
    expect((await api(second).get(`/v1/invites/${inv.id}`)).json()).toMatchObject({ status: 'pending' });
    await second.cleanup();
  });

  it('counts data from before the record as one partition', async () => {
    const prefix = uniquePrefix();
    const first = await startHerald({ prefix, env: { REDIS_PARTITIONS: '1' } });
    await api(first).post('/v1/invites', { email: 'older@parts.test' });
    await first.close();
    await first.redis.del(`{${prefix}}:partitions`);
    await first.redis.quit();
    await expect(startHerald({ prefix, env: { REDIS_PARTITIONS: '4' } })).rejects.toThrow(
      /REDIS_PARTITIONS=1/,
    );
    const redis = rawRedis();
    for (const k of await scanKeys(redis, `*${prefix}*`)) await redis.del(k);
    await redis.quit();
  });
});

describe('the number of delivery shards', () => {
  it('changes only while the queues are empty, else start is refused naming the count to set', async () => {
    const prefix = uniquePrefix();
    const first = await startHerald({ prefix, env: { DELIVERY_SHARDS: '2' } });
    // No worker: the send job waits in its shard.
    await api(first).post('/v1/invites', { email: 'waiting@shards.test' });
    await first.close();
    await first.redis.quit();
    await expect(startHerald({ prefix, env: { DELIVERY_SHARDS: '3' } })).rejects.toThrow(/DELIVERY_SHARDS=2/);

    const redis = rawRedis();
    for (const k of await scanKeys(redis, `{${prefix}:d*`)) await redis.del(k); // the queues, drained
    const second = await startHerald({ prefix, env: { DELIVERY_SHARDS: '3' } });
    expect(await redis.get(`{${prefix}}:deliveryShards`)).toBe('3');
    await second.cleanup();
    await redis.quit();
  });
});
