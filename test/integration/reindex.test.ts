import { describe, expect, it } from 'vitest';
import { rebuildIndexes } from '../../src/migrate-keys.js';
import { api, rawRedis, scanKeys, startHerald, uniquePrefix } from '../helpers.js';

// On one Redis, over partitions and on the cluster (npm run migrate-keys takes REDIS_CLUSTER_NODES).
describe('invite indexes of the layout before ordered indexes', () => {
  it('are refused at start, and the migration rebuilds them from the invites', async () => {
    const prefix = uniquePrefix();
    const first = await startHerald({ prefix });
    const a = api(first);
    const admin = (
      await a.post('/v1/invites', {
        email: 'old@index.test',
        role: 'admin',
        scope: { type: 'org', id: 'o1' },
      })
    ).json();
    const open = (await a.post('/v1/invites', { role: 'member', maxUses: 0 })).json();
    await a.post(`/v1/invites/${open.id}/accept`, { userId: 'user-1' });
    await first.close();
    await first.redis.quit();

    // What the older layout kept: sorted sets per sort, per filter value, and a key per pending
    // (address, scope). The ordered indexes go, as if they had never been written.
    const redis = rawRedis();
    for (const k of await scanKeys(redis, `*${prefix}*:o:*`)) await redis.del(k);
    for (const inv of [admin, open]) {
      const [key] = await scanKeys(redis, `*${prefix}*:inv:${inv.id}`);
      const P = key.slice(0, key.indexOf(':inv:'));
      await redis.zadd(`${P}:z:created`, Date.parse(inv.createdAt), inv.id);
      await redis.zadd(`${P}:x:role:${inv.role}`, 0, inv.id);
      if (inv.email) await redis.set(`${P}:uniq:${inv.email}|3|org|o1`, inv.id);
    }
    await expect(startHerald({ prefix })).rejects.toThrow(/npm run migrate-keys/);

    expect(await rebuildIndexes(redis, prefix)).toEqual({ partitions: first.partitions, dropped: 3 });
    expect(await scanKeys(redis, `*${prefix}*:[zx]:[cr]*`)).toEqual([]);
    const second = await startHerald({ prefix });
    const b = api(second);
    const ids = async (q: string) =>
      (await b.get(`/v1/invites?${q}`)).json().data.map((i: { id: string }) => i.id);
    expect(await ids('sort=createdAt')).toEqual([admin.id, open.id]);
    expect(await ids('role=admin')).toEqual([admin.id]);
    expect(await ids('acceptedBy=user-1')).toEqual([open.id]);
    const again = await b.post('/v1/invites', { email: 'old@index.test', scope: { type: 'org', id: 'o1' } });
    expect(again.statusCode).toBe(409);
    await second.cleanup();
    await redis.quit();
  });
});
