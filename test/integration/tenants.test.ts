import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/invites/store.js';
import { asKey, startHerald, TEST_KEY, waitFor, type KeyCall, type TestHerald } from '../helpers.js';
import { startReceiver } from '../receiver.js';

let h: TestHerald;
beforeAll(async () => {
  h = await startHerald({
    roles: { api: true, worker: true },
    env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF: '50' },
  });
});
afterAll(() => h.cleanup());

type Call = KeyCall;
const as = (key: string, c: Call) => asKey(h, key, c);
const op = (c: Call) => as(TEST_KEY, c);
const ids = (r: { json(): { data: { id: string }[] } }) => r.json().data.map((i) => i.id);

describe('tenants (DESIGN §15)', () => {
  it('operator keys create, list, rename and find tenants; tenant keys may not', async () => {
    const made = await op({ method: 'POST', url: '/v1/tenants', body: { id: 'acme', name: 'Acme' } });
    expect([made.statusCode, made.json()]).toEqual([
      201,
      { id: 'acme', name: 'Acme', createdAt: expect.any(String) },
    ]);
    expect(
      (await op({ method: 'POST', url: '/v1/tenants', body: { id: 'acme', name: 'Again' } })).json().error
        .code,
    ).toBe('tenant_exists');
    expect(
      (await op({ method: 'POST', url: '/v1/tenants', body: { id: 'Bad_Id', name: 'x' } })).statusCode,
    ).toBe(400);
    expect(ids(await op({ method: 'GET', url: '/v1/tenants' }))).toEqual(
      expect.arrayContaining(['default', 'acme']),
    );
    expect(
      (await op({ method: 'PATCH', url: '/v1/tenants/acme', body: { name: 'Acme Inc' } })).json().name,
    ).toBe('Acme Inc');
    expect((await op({ method: 'GET', url: '/v1/tenants/nope' })).statusCode).toBe(404);
    const star = (await op({ method: 'POST', url: '/v1/keys', body: { name: 'all', scopes: ['*'] } })).json();
    const refused = await as(star.secret, {
      method: 'POST',
      url: '/v1/tenants',
      body: { id: 'x', name: 'x' },
    });
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'insufficient_scope']);
  });

  it('keeps invites, lists, keys and policies apart; codes work across tenants', async () => {
    await op({ method: 'POST', url: '/v1/tenants', body: { id: 'globex', name: 'Globex' } });
    const mine = (
      await op({ method: 'POST', url: '/v1/invites', body: { send: false }, tenant: 'globex' })
    ).json();
    expect(mine.tenant).toBe('globex');
    const home = (await op({ method: 'POST', url: '/v1/invites', body: { send: false } })).json();
    expect(home.tenant).toBe('default');
    expect((await op({ method: 'GET', url: `/v1/invites/${mine.id}` })).statusCode).toBe(404);
    expect((await op({ method: 'POST', url: `/v1/invites/${mine.id}/cancel` })).statusCode).toBe(404);
    expect((await op({ method: 'GET', url: `/v1/invites/${mine.id}`, tenant: 'globex' })).statusCode).toBe(
      200,
    );
    expect(ids(await op({ method: 'GET', url: '/v1/invites?limit=100', tenant: 'globex' }))).toEqual([
      mine.id,
    ]);
    expect(ids(await op({ method: 'GET', url: '/v1/invites?limit=100' }))).not.toContain(mine.id);
    // A key of the tenant acts in it only.
    const key = (
      await op({ method: 'POST', url: '/v1/keys', body: { name: 'g', scopes: ['*'] }, tenant: 'globex' })
    ).json();
    expect(key.tenant).toBe('globex');
    expect((await as(key.secret, { method: 'GET', url: `/v1/invites/${home.id}` })).statusCode).toBe(404);
    expect((await as(key.secret, { method: 'GET', url: `/v1/invites/${mine.id}` })).statusCode).toBe(200);
    expect(
      (await as(key.secret, { method: 'GET', url: '/v1/invites', tenant: 'default' })).json().error.code,
    ).toBe('insufficient_scope');
    expect(ids(await op({ method: 'GET', url: '/v1/keys' }))).not.toContain(key.id);
    expect((await op({ method: 'DELETE', url: `/v1/keys/${key.id}` })).statusCode).toBe(404);
    // Policies are per tenant.
    await as(key.secret, { method: 'PUT', url: '/v1/policy', body: { blockedDomains: ['blocked.test'] } });
    await new Promise((r) => setTimeout(r, 1100));
    expect(
      (await as(key.secret, { method: 'POST', url: '/v1/invites', body: { email: 'a@blocked.test' } }))
        .statusCode,
    ).toBe(422);
    expect(
      (await op({ method: 'POST', url: '/v1/invites', body: { email: 'a@blocked.test', send: false } }))
        .statusCode,
    ).toBe(201);
    // Stats count each tenant apart: globex's invites are not in default's funnel, and the reverse.
    const created = async (tenant?: string) =>
      (await op({ method: 'GET', url: '/v1/stats', tenant })).json().totals.created as number;
    const [g0, d0] = [await created('globex'), await created()];
    await op({
      method: 'POST',
      url: '/v1/invites',
      body: { send: false, scope: { type: 'org', id: 's' } },
      tenant: 'globex',
    });
    expect([await created('globex'), await created()]).toEqual([g0 + 1, d0]);
    const scoped = (
      await op({ method: 'GET', url: '/v1/stats?scopeType=org&scopeId=s', tenant: 'globex' })
    ).json();
    expect(scoped.totals.created).toBe(1);
    // The sweep counts an expiry in the invite's tenant too.
    const expired = async (tenant?: string) =>
      (await op({ method: 'GET', url: '/v1/stats', tenant })).json().totals.expired as number;
    const [ge, de] = [await expired('globex'), await expired()];
    await op({ method: 'POST', url: '/v1/invites', body: { send: false, maxAge: 1 }, tenant: 'globex' });
    await new Promise((r) => setTimeout(r, 1100));
    await op({ method: 'POST', url: '/v1/sweeps/expire' });
    await waitFor(async () => (await expired('globex')) === ge + 1, 10_000, 'the sweep');
    expect(await expired()).toBe(de);
    // One pending invite per (address, scope) within a tenant, not across them.
    const pair = { email: 'twin@tenants.test', scope: { type: 'org', id: 't' }, send: false };
    expect((await op({ method: 'POST', url: '/v1/invites', body: pair })).statusCode).toBe(201);
    expect((await as(key.secret, { method: 'POST', url: '/v1/invites', body: pair })).statusCode).toBe(201);
    expect((await as(key.secret, { method: 'POST', url: '/v1/invites', body: pair })).statusCode).toBe(409);
    // Codes are unique across tenants: the public routes find any tenant's.
    expect((await h.inject({ method: 'GET', url: `/v1/public/invites/${mine.code}` })).json().code).toBe(
      mine.code,
    );
    expect((await op({ method: 'GET', url: '/v1/invites', tenant: 'nope' })).json().error.code).toBe(
      'tenant_not_found',
    );
  });

  it("keeps a deleted invite's trail readable by its own tenant and scopes only", async () => {
    await op({ method: 'POST', url: '/v1/tenants', body: { id: 'trail', name: 'Trail' } });
    const scope = { type: 'org', id: 'kept' };
    const gone = (
      await op({ method: 'POST', url: '/v1/invites', body: { send: false, scope }, tenant: 'trail' })
    ).json();
    const del = await op({ method: 'DELETE', url: `/v1/invites/${gone.id}`, tenant: 'trail' });
    expect(del.statusCode).toBeLessThan(300);
    const trail = await op({ method: 'GET', url: `/v1/invites/${gone.id}/events`, tenant: 'trail' });
    expect(trail.statusCode).toBe(200);
    expect(trail.json().data.map((e: { type: string }) => e.type)).toEqual(['created', 'deleted']);
    expect(trail.body).not.toContain('owner');
    // Another tenant, and a key of the tenant limited to other scopes, find nothing.
    expect((await op({ method: 'GET', url: `/v1/invites/${gone.id}/events` })).statusCode).toBe(404);
    const readerOf = async (scopeId: string) =>
      (
        await op({
          method: 'POST',
          url: '/v1/keys',
          body: { name: scopeId, scopes: ['invites:read'], scopeIds: [`org:${scopeId}`] },
          tenant: 'trail',
        })
      ).json().secret as string;
    const read = async (scopeId: string) =>
      (await as(await readerOf(scopeId), { method: 'GET', url: `/v1/invites/${gone.id}/events` })).statusCode;
    expect(await read('elsewhere')).toBe(404);
    expect(await read('kept')).toBe(200);
  });

  it('deleting a tenant stops its keys at once and a job removes its invites', async () => {
    await op({ method: 'POST', url: '/v1/tenants', body: { id: 'initech', name: 'Initech' } });
    const key = (
      await op({ method: 'POST', url: '/v1/keys', body: { name: 'i', scopes: ['*'] }, tenant: 'initech' })
    ).json();
    const look = { productName: 'Initech' };
    await as(key.secret, { method: 'PUT', url: '/v1/branding', body: look });
    await as(key.secret, { method: 'PUT', url: '/v1/suppressions/gone@initech.test' });
    const tpl = { subject: 'x', mjml: '<mjml><mj-body></mj-body></mjml>', text: 'x' };
    await as(key.secret, { method: 'PUT', url: '/v1/templates/invite/en', body: tpl });
    const made: string[] = [];
    for (let i = 0; i < 3; i++)
      made.push(
        (await as(key.secret, { method: 'POST', url: '/v1/invites', body: { send: false } })).json().id,
      );
    const del = await op({ method: 'DELETE', url: '/v1/tenants/initech' });
    expect([del.statusCode, typeof del.json().jobId]).toEqual([202, 'string']);
    expect((await as(key.secret, { method: 'GET', url: '/v1/invites' })).statusCode).toBe(401);
    expect((await op({ method: 'GET', url: '/v1/invites', tenant: 'initech' })).statusCode).toBe(404);
    const store = createStore(h.redis, h.data, h.partitions);
    await waitFor(
      async () => (await store.getMany(made)).every((d) => d === null),
      15_000,
      'invites removed',
    );
    expect((await op({ method: 'DELETE', url: '/v1/tenants/default' })).statusCode).toBe(409);
    expect((await op({ method: 'DELETE', url: '/v1/tenants/initech' })).statusCode).toBe(404);
    // A tenant made again with the same id starts empty: no branding, templates or unsubscribes.
    await op({ method: 'POST', url: '/v1/tenants', body: { id: 'initech', name: 'Again' } });
    const again = (url: string) => op({ method: 'GET', url, tenant: 'initech' });
    expect((await again('/v1/branding')).json().productName).toBeNull();
    expect((await again('/v1/templates')).json().data).toContainEqual({
      kind: 'invite',
      locale: 'en',
      published: 0,
      latest: 0,
    });
    // The purge job removes the unsubscribes after the invites: wait for it too.
    await waitFor(
      async () => (await again('/v1/suppressions/gone@initech.test')).statusCode === 404,
      15_000,
      'unsubscribes purged',
    );
  });

  it('a tenant made again while its purge waits keeps what it makes; the purge takes only the old', async () => {
    await op({ method: 'POST', url: '/v1/tenants', body: { id: 'phoenix', name: 'Phoenix' } });
    const first = (
      await op({ method: 'POST', url: '/v1/keys', body: { name: 'p', scopes: ['*'] }, tenant: 'phoenix' })
    ).json();
    const old = (
      await as(first.secret, { method: 'POST', url: '/v1/invites', body: { send: false } })
    ).json();
    await as(first.secret, { method: 'PUT', url: '/v1/suppressions/old@phoenix.test' });
    // The purge job waits (the maintenance worker paused) while the tenant is made again and used.
    await h.workers!.maintenance.pause();
    try {
      expect((await op({ method: 'DELETE', url: '/v1/tenants/phoenix' })).statusCode).toBe(202);
      await new Promise((r) => setTimeout(r, 5)); // a later millisecond than the deletion
      await op({ method: 'POST', url: '/v1/tenants', body: { id: 'phoenix', name: 'Again' } });
      const again = (c: Call) => op({ ...c, tenant: 'phoenix' });
      const fresh = (await again({ method: 'POST', url: '/v1/invites', body: { send: false } })).json();
      await again({ method: 'PUT', url: '/v1/suppressions/new@phoenix.test' });
      h.workers!.maintenance.resume();
      const store = createStore(h.redis, h.data, h.partitions);
      await waitFor(async () => (await store.get(old.id)) === null, 15_000, 'the old invite removed');
      await waitFor(
        async () =>
          (await again({ method: 'GET', url: '/v1/suppressions/old@phoenix.test' })).statusCode === 404,
        15_000,
        'the old unsubscribe removed',
      );
      expect((await again({ method: 'GET', url: `/v1/invites/${fresh.id}` })).statusCode).toBe(200);
      expect((await again({ method: 'GET', url: '/v1/suppressions/new@phoenix.test' })).statusCode).toBe(200);
    } finally {
      h.workers!.maintenance.resume();
    }
  });

  it("gives each tenant's feed and webhook endpoints only its own events", async () => {
    await op({ method: 'POST', url: '/v1/tenants', body: { id: 'hooks', name: 'Hooks' } });
    const [home, theirs] = [await startReceiver(), await startReceiver()];
    try {
      const hookHome = (await op({ method: 'POST', url: '/v1/webhooks', body: { url: home.url } })).json();
      const hookTheirs = (
        await op({ method: 'POST', url: '/v1/webhooks', body: { url: theirs.url }, tenant: 'hooks' })
      ).json();
      expect(ids(await op({ method: 'GET', url: '/v1/webhooks' }))).toContain(hookHome.id);
      expect(ids(await op({ method: 'GET', url: '/v1/webhooks' }))).not.toContain(hookTheirs.id);
      expect((await op({ method: 'GET', url: `/v1/webhooks/${hookTheirs.id}` })).statusCode).toBe(404);
      expect((await op({ method: 'DELETE', url: `/v1/webhooks/${hookTheirs.id}` })).statusCode).toBe(404);
      const a1 = (await op({ method: 'POST', url: '/v1/invites', body: { send: false } })).json();
      const b1 = (
        await op({ method: 'POST', url: '/v1/invites', body: { send: false }, tenant: 'hooks' })
      ).json();
      const { batchId } = (
        await op({
          method: 'POST',
          url: '/v1/invites/send',
          body: { emails: ['x@hooks.test'] },
          tenant: 'hooks',
        })
      ).json();
      const invitesIn = (r: { hits: { body: string }[] }) =>
        r.hits.map((x) => JSON.parse(x.body)).map((e) => e.data.invite?.id ?? e.data.batch?.id);
      await waitFor(
        () => invitesIn(theirs).includes(batchId) && invitesIn(home).includes(a1.id),
        15_000,
        'deliveries',
      );
      expect(invitesIn(theirs)).toContain(b1.id);
      expect(invitesIn(theirs)).not.toContain(a1.id);
      expect(invitesIn(home)).not.toContain(b1.id);
      expect(invitesIn(home)).not.toContain(batchId);
      const feed = async (tenant?: string) =>
        (await op({ method: 'GET', url: '/v1/events?limit=100', tenant }))
          .json()
          .data.map((e: { data: { invite?: { id: string } } }) => e.data.invite?.id);
      expect(await feed('hooks')).toContain(b1.id);
      expect(await feed('hooks')).not.toContain(a1.id);
      expect(await feed()).not.toContain(b1.id);
    } finally {
      await home.close();
      await theirs.close();
    }
  });

  it("an endpoint made by a key limited to scopeIds gets those scopes' invite events only", async () => {
    const [mine, all] = [await startReceiver(), await startReceiver()];
    try {
      const key = (
        await op({
          method: 'POST',
          url: '/v1/keys',
          body: { name: 'w', scopes: ['webhooks:manage'], scopeIds: ['org:hooked'] },
        })
      ).json();
      const made = await as(key.secret, { method: 'POST', url: '/v1/webhooks', body: { url: mine.url } });
      expect(made.statusCode).toBe(201);
      await op({ method: 'POST', url: '/v1/webhooks', body: { url: all.url } });
      const invite = async (id: string) =>
        (
          await op({ method: 'POST', url: '/v1/invites', body: { send: false, scope: { type: 'org', id } } })
        ).json().id as string;
      const [inside, outside] = [await invite('hooked'), await invite('elsewhere')];
      await op({ method: 'PUT', url: '/v1/suppressions/none@hooks.test' }); // an event of no invite
      const ids = (r: { hits: { body: string }[] }) =>
        r.hits.map((x) => JSON.parse(x.body) as { type: string; data: { invite?: { id: string } } });
      // The unscoped endpoint has seen all three: the scoped one has had its chance at them too.
      await waitFor(() => ids(all).some((e) => e.type === 'suppression.created'), 15_000, 'all events');
      await waitFor(() => ids(mine).some((e) => e.data.invite?.id === inside), 15_000, 'its scope');
      expect(ids(all).map((e) => e.data.invite?.id)).toContain(outside);
      expect(ids(mine).map((e) => e.data.invite?.id)).not.toContain(outside);
      expect(ids(mine).map((e) => e.type)).not.toContain('suppression.created');
    } finally {
      await mine.close();
      await all.close();
    }
  });
});
