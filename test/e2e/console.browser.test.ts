import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../browser.js';
import { api, startHerald, startSink, TEST_KEY, waitFor, type Sink, type TestHerald } from '../helpers.js';

const SHOTS = 'test-results';
let sink: Sink;
let h: TestHerald;
let browser: Browser;
let base: string;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  // A slow SMTP server, so the batch is still running when the operator looks; one address fails.
  sink = await startSink(
    (to) => (to[0].startsWith('broken') ? { code: 550, message: '5.1.1 Mailbox does not exist' } : null),
    {
      delayMs: 25,
    },
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  h = await startHerald({
    sink,
    roles: { api: true, worker: true },
    env: { PUBLIC_URL: base, WORKER_CONCURRENCY: '2', SMTP_POOL: '2' },
  });
  await h.app!.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await h?.cleanup();
  await sink?.close();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  if (process.env.UPDATE_SCREENSHOTS) copyFileSync(`${SHOTS}/${name}.png`, `docs/${name}.png`);
}

/** A new page signed in with the operator key, and the console errors it logs. */
async function signedIn() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${base}/console/sign-in`);
  await page.getByLabel('API key').fill(TEST_KEY);
  await Promise.all([page.waitForURL(`${base}/console`), page.keyboard.press('Enter')]);
  return { page, errors };
}

describe('the console in a real browser', () => {
  it('signs in, watches a batch reach 100 %, sees a failure with its reply, opens a timeline and cancels', async () => {
    const a = api(h);
    const emails = ['broken@console.test', ...Array.from({ length: 120 }, (_, i) => `p${i}@console.test`)];
    const batchId = (
      await a.post('/v1/invites/send', { emails, scope: { type: 'team', id: 'console' } })
    ).json().batchId;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    await page.goto(`${base}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await shot(page, 'console-sign-in');
    await page.getByLabel('API key').fill(TEST_KEY);
    await Promise.all([page.waitForURL(`${base}/console`), page.keyboard.press('Enter')]);
    expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: no script can read it

    await page.goto(`${base}/console/batches/${batchId}`);
    const progress = page.locator('progress');
    const first = Number(await progress.getAttribute('value'));
    expect(first).toBeLessThan(emails.length); // still running when first seen
    // the page refreshes itself (no script) until the batch is done
    await page.waitForFunction(
      () => {
        const p = document.querySelector('progress');
        return p !== null && p.value === p.max;
      },
      undefined,
      { timeout: 30_000, polling: 250 },
    );
    await expect(page.locator('main').innerText()).resolves.toContain('5.1.1 Mailbox does not exist');
    await shot(page, 'console-batch');

    await page.goto(`${base}/console`);
    await expect(page.locator('figcaption').first().innerText()).resolves.toContain('Funnel');
    await shot(page, 'console-overview');

    await page.goto(`${base}/console/invites?q=p7%40console.test`);
    await shot(page, 'console-invites');
    await page.getByRole('link', { name: 'p7@console.test' }).click();
    await expect(page.locator('ol.timeline').innerText()).resolves.toContain('sent');
    await shot(page, 'console-invite');
    await page.getByRole('link', { name: 'Cancel this invite…' }).click();
    await page.getByRole('button', { name: 'Yes, cancel' }).click();
    await page.waitForURL(/\/console\/invites\/inv_/);
    await expect(page.locator('main').innerText()).resolves.toContain('Status canceled');
    const inv = (await a.get('/v1/invites?email=p7%40console.test')).json().data[0];
    expect(inv.status).toBe('canceled');

    for (const [path, name] of [
      ['/console/batches', 'console-batches'],
      ['/console/suppressions', 'console-suppressions'],
      ['/console/webhooks', 'console-webhooks'],
    ]) {
      await page.goto(`${base}${path}`);
      await shot(page, name);
    }
    const phone = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(`${base}/console`);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await phone.close();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('approves and rejects waiting invites and edits the policy, each after a confirmation', async () => {
    const a = api(h);
    expect((await a.put('/v1/policy', { requireApproval: true })).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const yes = (
      await a.post('/v1/invites', { email: 'yes@approvals.test', scope: { type: 'team', id: 'a' } })
    ).json();
    const no = (
      await a.post('/v1/invites', { email: 'no@approvals.test', scope: { type: 'team', id: 'a' } })
    ).json();
    const { page, errors } = await signedIn();

    await page.getByRole('link', { name: 'Approvals' }).click();
    await expect(page.locator('main').innerText()).resolves.toContain('yes@approvals.test');
    await shot(page, 'console-approvals');
    await page
      .locator('tr', { hasText: 'yes@approvals.test' })
      .getByRole('link', { name: 'Approve…' })
      .click();
    expect((await a.get(`/v1/invites/${yes.id}`)).json().status).toBe('pending_approval'); // only a confirmation so far
    await page.getByRole('button', { name: 'Yes, approve' }).click();
    await page.waitForURL(`${base}/console/approvals`);
    await page.locator('tr', { hasText: 'no@approvals.test' }).getByRole('link', { name: 'Reject…' }).click();
    await page.getByLabel('Reason').fill('not one of ours');
    await page.getByRole('button', { name: 'Yes, reject' }).click();
    await page.waitForURL(`${base}/console/approvals`);
    expect((await a.get(`/v1/invites/${yes.id}`)).json().status).toBe('pending');
    expect((await a.get(`/v1/invites/${no.id}`)).json().status).toBe('rejected');
    const trail = (await a.get(`/v1/invites/${no.id}/events`)).json().data;
    expect(trail.at(-1)).toMatchObject({ type: 'rejected', reason: 'not one of ours' });

    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByLabel('Blocked domains').fill('rival.example\nspam.example');
    await page.getByLabel('New invites wait for an approval').uncheck();
    await page.getByRole('button', { name: 'Save the policy' }).click();
    await page.waitForURL(`${base}/console/policy`);
    expect((await a.get('/v1/policy')).json()).toMatchObject({
      blockedDomains: ['rival.example', 'spam.example'],
      requireApproval: false,
    });
    await shot(page, 'console-policy');
    expect(errors).toEqual([]);
    // A bad domain: the form comes back with the problem (its 400 is the only console message).
    await page.getByLabel('Blocked domains').fill('not a domain!');
    await page.getByRole('button', { name: 'Save the policy' }).click();
    await expect(page.locator('[role=alert]').innerText()).resolves.toContain('blockedDomains');
    expect((await a.get('/v1/policy')).json().blockedDomains).toEqual(['rival.example', 'spam.example']);
    await a.put('/v1/policy', {});
    expect(errors).toEqual([expect.stringContaining('400')]);
    await page.close();
  });

  it('edits the branding and a template, previews it in a sandboxed frame, sends a test and publishes after a confirmation', async () => {
    const a = api(h);
    const { page, errors } = await signedIn();

    await page.getByRole('link', { name: 'Branding' }).click();
    await page.getByLabel('Product name').fill('Initech <Labs>');
    await page.getByLabel('Primary colour').fill('#0f766e');
    await page.getByRole('button', { name: 'Save the branding' }).click();
    await page.waitForURL(`${base}/console/branding`);
    expect((await a.get('/v1/branding')).json()).toMatchObject({
      productName: 'Initech <Labs>',
      primaryColor: '#0f766e',
    });
    await shot(page, 'console-branding');

    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('link', { name: 'invite / en' }).click();
    await page.getByLabel('Subject').fill('Hello from {{productName}}: {{inviterName}}');
    await page.getByRole('button', { name: 'Save as a new draft' }).click();
    await page.waitForURL(/\?v=1$/);
    const frame = page.locator('iframe.preview');
    expect(await frame.getAttribute('sandbox')).toBe('');
    await expect(page.frameLocator('iframe.preview').locator('body').innerText()).resolves.toContain(
      'Initech <Labs>',
    );
    const preview = await page.request.get(`${base}/console/templates/invite/en/versions/1/preview.html`);
    expect(preview.headers()['content-security-policy']).toMatch(/sandbox/);
    expect(preview.headers()['content-security-policy']).not.toMatch(/script-src/);
    const own = await page.request.get(`${base}/console/templates/invite/en`);
    expect(own.headers()['content-security-policy']).toMatch(/^default-src 'none'; style-src 'self';/);

    await page.getByLabel('Send a test of version 1 to').fill('qa@console.test');
    await page.getByRole('button', { name: 'Send a test' }).click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Test sent');
    const test = await waitFor(
      () => sink.messages.find((m) => m.to.includes('qa@console.test')),
      15_000,
      'test',
    );
    expect(test!.mail.subject).toBe('[TEST] Hello from Initech <Labs>: Grace Hopper');

    await page.goto(`${base}/console/templates/invite/en?v=1`);
    await page.locator('tr', { hasText: 'draft' }).getByRole('link', { name: 'Publish…' }).click();
    await page.getByRole('button', { name: 'Yes, publish' }).click();
    await page.waitForURL(/\?v=1$/);
    expect((await a.get('/v1/templates')).json().data).toContainEqual({
      kind: 'invite',
      locale: 'en',
      published: 1,
      latest: 1,
    });
    await expect(page.frameLocator('iframe.preview').locator('body').innerText()).resolves.toContain(
      'Initech',
    );
    // Newest first: version 1, published, says by whom.
    await expect(page.locator('tbody tr').first().innerText()).resolves.toMatch(
      /^1\s+published\s.*\sby \S+/s,
    );
    // A full-page capture leaves the frame (its own process, being sandboxed) blank: a tall viewport shows it.
    await page.setViewportSize({ width: 1280, height: 2150 });
    await expect(page.frameLocator('iframe.preview').locator('body').innerText()).resolves.toContain(
      'Initech',
    );
    await shot(page, 'console-templates');
    expect(errors).toEqual([]);
    await a.post('/v1/templates/invite/en/versions/0/publish');
    await a.put('/v1/branding', {});
    await page.close();
  });
});
