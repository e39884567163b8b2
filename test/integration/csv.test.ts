import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, auth, startHerald, startSink, waitForBatch, type Sink, type TestHerald } from '../helpers.js';

let sink: Sink;
let h: TestHerald;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sink = await startSink();
  h = await startHerald({ sink, roles: { api: true, worker: true }, env: { BULK_MAX: '50' } });
  a = api(h);
});
afterAll(async () => {
  await h.cleanup();
  await sink.close();
});

const postCsv = (csv: string | Buffer, query = '') =>
  h.inject({
    method: 'POST',
    url: `/v1/invites/send${query}`,
    headers: { ...auth, 'content-type': 'text/csv; charset=utf-8' },
    payload: csv,
  });

describe('bulk sends from CSV', () => {
  it('reads BOM, quotes, embedded commas and newlines, CRLF, metadata columns and hostile names', async () => {
    const csv =
      '\ufeffemail,name,role,metadata.team,metadata.source\r\n' +
      'ada@csv.test,"Lovelace, Ada",admin,red,import\r\n' +
      'bob@csv.test,"Bob ""the builder""",,blue,\r\n' +
      'eve@csv.test,"<img src=x onerror=alert(1)>",,,\r\n' +
      'multi@csv.test,Multi,,,"line one\r\nline two"\r\n' +
      '\r\n';
    const r = await postCsv(csv, '?scopeType=org&scopeId=acme&role=member&inviterName=Grace&reminders=3600');
    expect([r.statusCode, r.json()]).toEqual([202, { batchId: expect.any(String), total: 4 }]);
    const batch = await waitForBatch(a, r.json().batchId);
    expect(batch).toMatchObject({ created: 4, sent: 4 });
    const list = (await a.get(`/v1/invites?batchId=${r.json().batchId}`)).json().data;
    const by = Object.fromEntries(list.map((i: { email: string }) => [i.email, i]));
    expect(by['ada@csv.test']).toMatchObject({
      name: 'Lovelace, Ada',
      role: 'admin',
      scope: { type: 'org', id: 'acme' },
      inviter: { name: 'Grace' },
      metadata: { team: 'red', source: 'import' },
      reminders: [3600],
    });
    expect(by['multi@csv.test'].metadata).toEqual({ source: 'line one\r\nline two' });
    expect(by['bob@csv.test']).toMatchObject({
      name: 'Bob "the builder"',
      role: 'member',
      metadata: { team: 'blue' },
    });
    const eve = sink.messages.find((m) => m.to.includes('eve@csv.test'))!;
    expect(eve.mail.html).not.toContain('<img src=x');
  });

  it('reports every bad row with its line and column, and queues nothing', async () => {
    const before = (await a.get('/v1/invites?limit=100')).json().data.length;
    const csv = [
      'email,name,locale',
      'ok@csv.test,Ok,en',
      'not-an-email,X,en',
      ',Nobody,',
      'ok2@csv.test,Y,english!',
    ].join('\n');
    const r = await postCsv(csv);
    expect([r.statusCode, r.json().error?.code]).toEqual([400, 'invalid_rows']);
    expect(r.json().error.details).toEqual([
      { line: 3, column: 'email', message: 'must be a valid e-mail address' },
      { line: 4, column: 'email', message: 'is required' },
      { line: 5, column: 'locale', message: 'must be a language tag like en or pt-BR' },
    ]);
    expect((await a.get('/v1/invites?limit=100')).json().data.length).toBe(before);

    const header = await postCsv('mail,name\nx@csv.test,X\n');
    expect(header.json().error.details.map((d: { column: string }) => d.column)).toEqual(['mail', 'email']);
    const broken = await postCsv('email,name\n"unterminated@csv.test,X\n');
    expect([broken.statusCode, broken.json().error.code]).toEqual([400, 'invalid_rows']);
    const many = await postCsv(
      ['email', ...Array.from({ length: 51 }, (_, i) => `m${i}@csv.test`)].join('\n'),
    );
    expect(many.json().error.details[0].message).toBe('at most 50 rows');
    const query = await postCsv('email\nq@csv.test\n', '?scope=nope');
    expect(query.statusCode).toBe(400);
    const big = await postCsv(Buffer.alloc(10 * 1024 * 1024 + 10, 'a'));
    expect(big.statusCode).toBe(413);
    // JSON keeps its own 1 MiB limit on the same route
    const json = await a.post('/v1/invites/send', {
      emails: ['j@csv.test'],
      metadata: { pad: 'x'.repeat(1024 * 1024) },
    });
    expect(json.statusCode).toBe(413);
  });
});
