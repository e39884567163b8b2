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

  it("of the layout before 'due' was split from 'expires': an invite in both lists once, and leaves both", async () => {
    const h = await startHerald({ prefix: uniquePrefix() });
    const a = api(h);
    const inv = (await a.post('/v1/invites', { role: 'both', maxAge: 600, send: false })).json();
    const never = (await a.post('/v1/invites', { role: 'both', maxAge: 0, send: false })).json();
    // The older layout also kept a pending invite's expiry in 'expires'.
    const [key] = await scanKeys(h.redis, `*:inv:${inv.id}`);
    const P = key.slice(0, key.indexOf(':inv:'));
    const [entry] = await h.redis.zrange(`${P}:o:due:b:`, 0, -1);
    expect(await h.redis.zscore(`${P}:o:expires:b:`, entry)).toBeNull();
    await h.redis.zadd(`${P}:o:expires:b:`, 0, entry);
    const ids = async (q: string) =>
      (await a.get(`/v1/invites?${q}`)).json().data.map((i: { id: string }) => i.id);
    expect(await ids('sort=expiresAt')).toEqual([inv.id, never.id]);
    expect(await ids('sort=-expiresAt&limit=1')).toEqual([never.id]);
    expect(await ids('sort=expiresAt&limit=1')).toEqual([inv.id]);
    await a.post(`/v1/invites/${inv.id}/cancel`);
    expect(await h.redis.zrange(`${P}:o:due:b:`, 0, -1)).toEqual([]);
    expect(await h.redis.zscore(`${P}:o:expires:b:`, entry)).toBe('0');
    expect(await ids('sort=expiresAt')).toEqual([inv.id, never.id]);
    await h.cleanup();
  });
});
