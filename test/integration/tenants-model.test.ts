import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asKey, startHerald, TEST_KEY, type TestHerald } from '../helpers.js';

// Random operations by keys of two tenants with random scopes and scopeIds; every answer (status,
// and the ids a list shows) must be what a small model of DESIGN §15's rules predicts.

let h: TestHerald;
beforeAll(async () => {
  h = await startHerald();
});
afterAll(() => h.cleanup());

const SCOPES = [
  ['invites:read'],
  ['invites:write'],
  ['invites:propose'],
  ['invites:propose', 'invites:read'],
  ['*'],
];
const SCOPE_IDS = [null, ['org:x'], ['org:y'], ['org:x', 'org:y']];
const INVITE_SCOPES = ['org:x', 'org:y', null] as const;

interface Key {
  secret: string;
  tenant: string;
  scopes: string[];
  scopeIds: string[] | null;
}
interface Inv {
  id: string;
  tenant: string;
  scope: string | null;
}

const call = (key: string, method: string, url: string, body?: unknown, tenant?: string) =>
  asKey(h, key, { method, url, body, tenant });

const has = (k: Key, s: string) =>
  k.scopes.includes('*') ||
  k.scopes.includes(s) ||
  (k.scopes.includes('invites:write') && s !== 'invites:write' && s.startsWith('invites:'));
const sees = (k: Key, i: Inv) =>
  i.tenant === k.tenant && (k.scopeIds === null || (i.scope !== null && k.scopeIds.includes(i.scope)));

type Op =
  | { kind: 'create'; key: number; scope: number }
  | { kind: 'get' | 'cancel'; key: number; invite: number }
  | { kind: 'list'; key: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), key: fc.nat(5), scope: fc.nat(2) }),
  fc.record({ kind: fc.constantFrom('get' as const, 'cancel' as const), key: fc.nat(5), invite: fc.nat(20) }),
  fc.record({ kind: fc.constant('list' as const), key: fc.nat(5) }),
);
const keySpec = fc.record({ scopes: fc.nat(SCOPES.length - 1), scopeIds: fc.nat(SCOPE_IDS.length - 1) });

let run = 0;
describe('tenants and scoped keys against a model (DESIGN §15)', () => {
  it('answers every random operation as the model predicts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(keySpec, { minLength: 6, maxLength: 6 }),
        fc.array(op, { maxLength: 25 }),
        async (specs, ops) => {
          run += 1;
          const tenants = [`m${run}a`, `m${run}b`];
          for (const id of tenants)
            expect((await call(TEST_KEY, 'POST', '/v1/tenants', { id, name: id })).statusCode).toBe(201);
          const keys: Key[] = [];
          for (const [i, s] of specs.entries()) {
            const tenant = tenants[i % 2];
            const body = { name: `k${i}`, scopes: SCOPES[s.scopes], scopeIds: SCOPE_IDS[s.scopeIds] };
            const r = await call(TEST_KEY, 'POST', '/v1/keys', body, tenant);
            expect(r.statusCode).toBe(201);
            keys.push({ secret: r.json().secret, tenant, scopes: body.scopes, scopeIds: body.scopeIds });
          }
          const invites: Inv[] = [];
          for (const o of ops) {
            const k = keys[o.key];
            if (o.kind === 'create') {
              const scope = INVITE_SCOPES[o.scope];
              const body = { send: false, ...(scope ? { scope: { type: 'org', id: scope.slice(4) } } : {}) };
              const r = await call(k.secret, 'POST', '/v1/invites', body);
              const outOfScope = k.scopeIds !== null && (scope === null || !k.scopeIds.includes(scope));
              const expected = !has(k, 'invites:propose') || outOfScope ? 403 : 201;
              expect([o, r.statusCode]).toEqual([o, expected]);
              if (r.statusCode === 201) {
                expect(r.json().status).toBe(has(k, 'invites:write') ? 'pending' : 'pending_approval');
                invites.push({ id: r.json().id, tenant: k.tenant, scope });
              }
            } else if (o.kind === 'list') {
              const r = await call(k.secret, 'GET', '/v1/invites?limit=100');
              if (!has(k, 'invites:read')) {
                expect([o, r.statusCode]).toEqual([o, 403]);
                continue;
              }
              const shown = r
                .json()
                .data.map((i: { id: string }) => i.id)
                .sort();
              expect([o, shown]).toEqual([
                o,
                invites
                  .filter((i) => sees(k, i))
                  .map((i) => i.id)
                  .sort(),
              ]);
            } else {
              const inv = invites[o.invite % Math.max(1, invites.length)];
              if (!inv) continue;
              const r =
                o.kind === 'get'
                  ? await call(k.secret, 'GET', `/v1/invites/${inv.id}`)
                  : await call(k.secret, 'POST', `/v1/invites/${inv.id}/cancel`);
              const needed = o.kind === 'get' ? 'invites:read' : 'invites:write';
              let expected = sees(k, inv) ? 200 : 404;
              if (!has(k, needed)) expected = 403;
              expect([o, r.statusCode]).toEqual([o, expected]);
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
