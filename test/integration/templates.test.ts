import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBrandingStore } from '../../src/branding/store.js';
import { PLACEHOLDERS } from '../../src/mail/placeholders.js';
import { createLooks } from '../../src/templates/looks.js';
import { createTemplateStore } from '../../src/templates/store.js';
import { heraldWithTenant, sleep, waitFor } from '../helpers.js';

// Template versions per tenant: drafts, validation, preview, test sends, publish (DESIGN §16).
const suite = heraldWithTenant({ tenant: 'acme' });
const op = suite.op;
const A = 'acme';
const files = {
  subject: readFileSync('templates/en/invite/subject.txt', 'utf8').trim(),
  mjml: readFileSync('templates/en/invite/body.mjml', 'utf8'),
  text: readFileSync('templates/en/invite/text.txt', 'utf8'),
};
const draft = (body: object, tenant = A, path = 'invite/en') =>
  op({ method: 'PUT', url: `/v1/templates/${path}`, body, tenant });
const mjml = (inner: string) =>
  `<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n${inner}\n</mj-column>\n</mj-section>\n</mj-body>\n</mjml>`;
const good = (word: string) => ({
  subject: `${word}: {{inviterName}} invites you`,
  mjml: mjml(
    `<mj-text>${word} {{greeting}}</mj-text>\n<mj-button href="{{url}}" background-color="{{primaryColor}}">Go</mj-button>`,
  ),
  text: `${word} {{url}}`,
});
let n = 0;
const sendOne = async (tenant = A, locale?: string) => {
  const email = `t${++n}@templates.test`;
  const body = { email, ...(locale ? { locale } : {}) };
  const inv = (await op({ method: 'POST', url: '/v1/invites', body, tenant })).json();
  const m = await waitFor(() => suite.sink.messages.find((x) => x.to.includes(email)), 15_000, email);
  const after = await waitFor(
    async () => {
      const i = (await op({ method: 'GET', url: `/v1/invites/${inv.id}`, tenant })).json();
      return i.templateVersion ? i : null;
    },
    10_000,
    'templateVersion',
  );
  return {
    subject: m!.mail.subject ?? '',
    html: m!.mail.html ?? '',
    templateVersion: after!.templateVersion,
  };
};

describe('templates', () => {
  it('refuses invalid MJML with lines, unknown placeholders by name, and active content', async () => {
    const invalid = await draft({
      ...good('x'),
      mjml: mjml('<mj-text foo="1">a</mj-text>\n<mj-nope></mj-nope>'),
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.code).toBe('template_invalid');
    expect(invalid.json().error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'mjml', line: 5, message: expect.stringContaining('foo') }),
        expect.objectContaining({ field: 'mjml', line: 6 }),
      ]),
    );
    const unknown = await draft({ ...good('x'), text: 'hi\n{{secretCode}}' });
    expect([unknown.statusCode, unknown.json().error.details[0]]).toEqual([
      422,
      { field: 'text', line: 2, message: expect.stringContaining('{{secretCode}}') },
    ]);
    for (const hostile of [
      '<mj-raw><script>alert(1)</script></mj-raw>',
      '<mj-text><script>alert(1)</script></mj-text>',
      '<mj-text><img src="x" onerror="alert(1)"></mj-text>',
      '<mj-text><a href="javascript:alert(1)">x</a></mj-text>',
      '<mj-text><a href="&#106;avascript:alert(1)">x</a></mj-text>',
      '<mj-text><a href="java\tscript:alert(1)">x</a></mj-text>',
      '<mj-text><iframe src="https://evil.test"></iframe></mj-text>',
      '<mj-wrapper>'.repeat(2000),
    ]) {
      const r = await draft({ ...good('x'), mjml: mjml(hostile) });
      expect([hostile.slice(0, 40), r.statusCode]).toEqual([hostile.slice(0, 40), 422]);
    }
    expect((await draft({ ...good('x'), mjml: 'x'.repeat(600_000) })).statusCode).toBeGreaterThanOrEqual(400);
    expect((await draft(good('x'), A, 'nope/en')).statusCode).toBe(404);
    const list = (await op({ method: 'GET', url: '/v1/templates', tenant: A })).json().data;
    expect(list).toContainEqual({ kind: 'invite', locale: 'en', published: 0, latest: 0 });
  });

  it('a draft is never used until published; publish, then roll back; other tenants unaffected', async () => {
    const d1 = await draft(good('Alpha'));
    expect([d1.statusCode, d1.json()]).toEqual([
      201,
      { kind: 'invite', locale: 'en', version: 1, status: 'draft', warnings: [] },
    ]);
    expect((await sendOne()).templateVersion).toBe('invite/en@0');
    const pub = await op({ method: 'POST', url: '/v1/templates/invite/en/versions/1/publish', tenant: A });
    expect([pub.statusCode, pub.json().status, pub.json().publishedBy]).toEqual([
      200,
      'published',
      expect.any(String),
    ]);
    const alpha = await sendOne();
    expect(alpha.subject).toMatch(/^Alpha: /);
    expect(alpha.html).toContain('Alpha Hello,');
    expect(alpha.templateVersion).toBe('invite/en@1');
    // Another tenant still gets the files.
    const other = await sendOne('default');
    expect([other.subject.startsWith('Alpha'), other.templateVersion]).toEqual([false, 'invite/en@0']);

    expect((await draft(good('Beta'))).json().version).toBe(2);
    await op({ method: 'POST', url: '/v1/templates/invite/en/versions/2/publish', tenant: A });
    const v1 = (await op({ method: 'GET', url: '/v1/templates/invite/en/versions/1', tenant: A })).json();
    expect([v1.status, v1.subject]).toEqual(['retired', good('Alpha').subject]);
    // Rolling back is publishing an older version; 0 is the files.
    await op({ method: 'POST', url: '/v1/templates/invite/en/versions/1/publish', tenant: A });
    expect((await sendOne()).templateVersion).toBe('invite/en@1');
    await op({ method: 'POST', url: '/v1/templates/invite/en/versions/0/publish', tenant: A });
    const back = await sendOne();
    expect([back.subject, back.templateVersion]).toEqual([
      expect.stringContaining('invited you'),
      'invite/en@0',
    ]);
    expect(
      (await op({ method: 'GET', url: '/v1/templates/invite/en/versions/0', tenant: A })).json(),
    ).toMatchObject({ version: 0, status: 'published', mjml: files.mjml });
    expect(
      (await op({ method: 'POST', url: '/v1/templates/invite/en/versions/99/publish', tenant: A }))
        .statusCode,
    ).toBe(404);
  });

  it('a locale the files lack gets versions of its own; its region variants use them; others keep the files', async () => {
    const d = await draft(good('Hallo'), A, 'invite/de');
    expect([d.statusCode, d.json().version]).toEqual([201, 1]);
    expect(
      (await op({ method: 'GET', url: '/v1/templates/invite/de/versions/0', tenant: A })).json().mjml,
    ).toBe(files.mjml);
    await op({ method: 'POST', url: '/v1/templates/invite/de/versions/1/publish', tenant: A });
    const [de, at, fr] = [await sendOne(A, 'de'), await sendOne(A, 'de-AT'), await sendOne(A, 'fr')];
    expect([de.subject.startsWith('Hallo'), de.templateVersion]).toEqual([true, 'invite/de@1']);
    expect([at.subject.startsWith('Hallo'), at.templateVersion]).toEqual([true, 'invite/de@1']);
    expect([fr.subject.startsWith('Hallo'), fr.templateVersion]).toEqual([false, 'invite/fr@0']);
    expect((await op({ method: 'GET', url: '/v1/templates', tenant: A })).json().data).toContainEqual({
      kind: 'invite',
      locale: 'de',
      published: 1,
      latest: 1,
    });
    expect((await draft(good('x'), A, 'invite/x_y')).statusCode).toBe(400);
  });

  it('a template with every placeholder renders every one; a big one warns of Gmail clipping', async () => {
    const names = Object.keys(PLACEHOLDERS).filter((p) => p !== 'subject');
    await op({
      method: 'PUT',
      url: '/v1/branding',
      tenant: A,
      body: {
        productName: 'Acme',
        logoUrl: 'https://acme.test/l.png',
        footer: 'Foot',
        supportUrl: 'https://acme.test/h',
      },
    });
    const all = names.map((p) => `${p}=[{{${p}}}]`).join('\n');
    const v = (
      await draft({
        subject: '{{productName}} {{inviterName}}',
        mjml: mjml(`<mj-text>${all}\n{{subject}}</mj-text>`),
        text: all,
      })
    ).json().version;
    const preview = await op({
      method: 'POST',
      url: '/v1/templates/invite/en/preview',
      tenant: A,
      body: {
        version: v,
        sample: { inviterName: 'Grace <G>', name: 'Ada', role: 'admin', scope: { type: 'org', id: 'x' } },
      },
    });
    expect(preview.statusCode).toBe(200);
    const p = preview.json();
    expect(p.subject).toBe('Acme Grace <G>');
    for (const name of names)
      expect([name, /\[([^\]]*)\]/.exec(p.text.split(`${name}=`)[1])?.[1]]).not.toEqual([name, '']);
    expect(p.html).toContain('inviterName=[Grace &lt;G&gt;]');
    expect(p.html).toContain('Acme Grace &lt;G&gt;');
    expect(p.bytes).toBe(Buffer.byteLength(p.html));
    expect(p.warnings).toEqual([]);

    const big = (
      await draft({ ...good('Big'), mjml: mjml(`<mj-text>${'lorem ipsum '.repeat(10_000)}</mj-text>`) })
    ).json();
    expect(big.warnings).toContain('gmail_clip');
    const clipped = (
      await op({
        method: 'POST',
        url: '/v1/templates/invite/en/preview',
        tenant: A,
        body: { version: big.version },
      })
    ).json();
    expect([clipped.bytes > 102 * 1024, clipped.warnings]).toEqual([true, ['gmail_clip']]);
  });

  it('test sends: [TEST] subject, no invite, not counted, suppressions honoured, 20 an hour', async () => {
    const v = (await draft(good('Gamma'))).json().version;
    const before = (await op({ method: 'GET', url: '/v1/stats', tenant: A })).json().totals;
    const invites = (await op({ method: 'GET', url: '/v1/invites?limit=100', tenant: A })).json().data.length;
    const sent = await op({
      method: 'POST',
      url: '/v1/templates/invite/en/test',
      tenant: A,
      body: { to: 'qa@templates.test', version: v },
    });
    expect([sent.statusCode, sent.json()]).toEqual([202, { queued: true, reason: null }]);
    const m = await waitFor(
      () => suite.sink.messages.find((x) => x.to.includes('qa@templates.test')),
      15_000,
      'test',
    );
    expect(m!.mail.subject).toMatch(/^\[TEST\] Gamma: /);
    expect((await op({ method: 'GET', url: '/v1/invites?limit=100', tenant: A })).json().data.length).toBe(
      invites,
    );
    expect((await op({ method: 'GET', url: '/v1/stats', tenant: A })).json().totals).toEqual(before);

    await op({ method: 'PUT', url: '/v1/suppressions/blocked@templates.test', tenant: A });
    const blocked = await op({
      method: 'POST',
      url: '/v1/templates/invite/en/test',
      tenant: A,
      body: { to: 'blocked@templates.test' },
    });
    expect(blocked.json()).toEqual({ queued: false, reason: 'suppressed' });
    let last = blocked;
    for (let i = 0; i < 20 && last.statusCode === 202; i++)
      last = await op({
        method: 'POST',
        url: '/v1/templates/invite/en/test',
        tenant: A,
        body: { to: 'blocked@templates.test' },
      });
    expect([last.statusCode, last.json().error.code]).toEqual([429, 'rate_limited']);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    // Another tenant has its own 20, and its own suppressions: the address is mailed once, by it.
    const mine = await op({
      method: 'POST',
      url: '/v1/templates/invite/en/test',
      body: { to: 'blocked@templates.test' },
    });
    expect([mine.statusCode, mine.json().queued]).toEqual([202, true]);
    await waitFor(
      () => suite.sink.messages.find((x) => x.to.includes('blocked@templates.test')),
      15_000,
      'default',
    );
    await sleep(300);
    expect(suite.sink.messages.filter((x) => x.to.includes('blocked@templates.test'))).toHaveLength(1);
  });
});

describe('a publish or a branding change reaches every worker', () => {
  it('two processes that rendered the old version and branding render the new ones at once', async () => {
    // Two looks, each over its own connection, as two worker processes hold them.
    const workers = await Promise.all(
      [0, 1].map(async () => {
        const redis = suite.h.redis.duplicate();
        const looks = createLooks({
          templates: createTemplateStore(redis, suite.h.data),
          branding: createBrandingStore(redis, suite.h.data),
          filesLocale: () => 'en',
        });
        return { redis, looks };
      }),
    );
    const v = (await draft(good('Delta'))).json().version;
    const before = await Promise.all(workers.map((w) => w.looks.of(A, 'invite', 'en')));
    await op({ method: 'POST', url: `/v1/templates/invite/en/versions/${v}/publish`, tenant: A });
    await op({ method: 'PUT', url: '/v1/branding', tenant: A, body: { productName: 'Delta Co' } });
    // No wait: the next message either process renders uses both.
    const after = await Promise.all(workers.map((w) => w.looks.of(A, 'invite', 'en')));
    expect(before.map((b) => b.version)).not.toContain(v);
    expect(after.map((a) => a.version)).toEqual([v, v]);
    expect(after.map((a) => a.look.brand.productName)).toEqual(['Delta Co', 'Delta Co']);
    expect(after[0].look.compiled).not.toBeNull();
    await Promise.all(workers.map((w) => w.redis.quit()));
  });
});
