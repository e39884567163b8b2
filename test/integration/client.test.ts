import { readFileSync } from 'node:fs';
import { createHeraldClient, HeraldApiError } from 'herald/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentTypes } from '../../scripts/document.js';
import { startHerald, TEST_KEY, type TestHerald } from '../helpers.js';

let h: TestHerald;
beforeAll(async () => {
  h = await startHerald();
});
afterAll(() => h.cleanup());

/** fetch over app.inject, so the client goes through the real HTTP stack without a port. */
const viaInject: typeof fetch = async (input, init) => {
  const req = input instanceof Request ? input : new Request(input, init);
  const res = await h.inject({
    method: req.method as 'GET',
    url: new URL(req.url).pathname + new URL(req.url).search,
    headers: Object.fromEntries(req.headers),
    payload: req.body ? Buffer.from(await req.arrayBuffer()) : undefined,
  });
  return new Response(res.statusCode === 204 ? null : res.body, {
    status: res.statusCode,
    headers: res.headers as Record<string, string>,
  });
};

describe('the typed client (herald/client)', () => {
  it('creates, reads and accepts with types from the document, and throws HeraldApiError with the code', async () => {
    const herald = createHeraldClient({
      baseUrl: 'http://localhost:3000',
      apiKey: TEST_KEY,
      fetch: viaInject,
    });
    const { data: inv } = await herald.POST('/v1/invites', {
      body: { email: 'typed@client.test', role: 'admin', send: false },
      headers: { 'Idempotency-Key': 'client-1' },
    });
    if (!inv || !('id' in inv)) throw new Error('expected one invite');
    expect(inv.status).toBe('pending');
    const again = await herald.POST('/v1/invites', {
      body: { email: 'typed@client.test', role: 'admin', send: false },
      headers: { 'Idempotency-Key': 'client-1' },
    });
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    const { data: got } = await herald.GET('/v1/invites/{id}', { params: { path: { id: inv.id } } });
    expect(got?.email).toBe('typed@client.test');
    const err = await herald
      .POST('/v1/invites/{id}/accept', {
        params: { path: { id: inv.id } },
        body: { userId: 'u1', email: 'other@client.test' },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeraldApiError);
    expect(err).toMatchObject({ status: 403, code: 'email_mismatch' });
    const del = await herald.DELETE('/v1/invites/{id}', { params: { path: { id: inv.id } } });
    expect(del.response.status).toBe(204);
  });

  it('is generated from the served document: openapi.json and the types have not drifted', async () => {
    const served = (await h.inject({ method: 'GET', url: '/openapi.json' })).json();
    const committed = JSON.parse(readFileSync('openapi.json', 'utf8'));
    expect(committed, 'openapi.json is stale: run `npm run client`').toEqual(served);
    expect(
      readFileSync('src/client/api.d.ts', 'utf8'),
      'src/client/api.d.ts is stale: run `npm run client`',
    ).toBe(await documentTypes(served));
  });
});
