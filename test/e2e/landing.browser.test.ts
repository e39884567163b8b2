import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../browser.js';
import { api, startHerald, startSink, waitFor, type Sink, type TestHerald } from '../helpers.js';

const SHOTS = 'test-results';

let sink: Sink;
let h: TestHerald;
let hostApp: Server;
let hostOrigin: string;
let browser: Browser;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  // The product the recipient is invited to: it only shows where the redirect landed.
  hostApp = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><title>Host app</title><h1>Welcome aboard</h1><p id="q">${new URL(req.url!, 'http://x').search.replace(/[<>&"]/g, '')}</p>`,
    );
  });
  await new Promise<void>((r) => hostApp.listen(0, '127.0.0.1', () => r()));
  hostOrigin = `http://127.0.0.1:${(hostApp.address() as AddressInfo).port}`;

  sink = await startSink();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  h = await startHerald({
    sink,
    roles: { api: true, worker: true },
    env: { PUBLIC_URL: publicUrl, PORT: String(port), REDIRECT_ALLOWLIST: `${publicUrl},${hostOrigin}` },
  });
  await h.app!.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await h?.cleanup();
  await sink?.close();
  await new Promise((r) => hostApp.close(r));
});

describe('the recipient in a real browser', () => {
  it('opens the link from the received e-mail, sees the invite, accepts, and lands on the redirect', async () => {
    const a = api(h);
    const inv = (
      await a.post('/v1/invites', {
        email: 'recipient@example.com',
        role: 'editor',
        scope: { type: 'workspace', id: 'Acme Design' },
        inviter: { name: 'Grace Hopper' },
        redirectUrl: `${hostOrigin}/welcome`,
      })
    ).json();
    const mail = (await waitFor(
      () => sink.messages.find((m) => m.to.includes('recipient@example.com')),
      20_000,
      'the invite e-mail',
    ))!;
    const link = /href="([^"]+\/i\/[A-Za-z0-9_-]{12})"/.exec(mail.mail.html!)![1];
    expect(link).toBe(inv.url);

    for (const [name, width, height] of [
      ['landing-phone', 375, 740],
      ['landing-desktop', 1280, 800],
    ] as const) {
      const page = await browser.newPage({ viewport: { width, height } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      const res = await page.goto(link);
      expect(res!.status()).toBe(200);
      await expect(page.locator('h1').innerText()).resolves.toBe(
        'Grace Hopper invited you to join workspace Acme Design',
      );
      await expect(page.locator('dd').nth(2).innerText()).resolves.toBe('editor');
      const button = page.getByRole('button', { name: 'Accept invitation' });
      expect(await button.isVisible()).toBe(true);
      // the stylesheet applied (CSP allows it) and the button fits the screen
      const box = (await button.boundingBox())!;
      expect(box.width).toBeLessThanOrEqual(width);
      expect(
        await page.evaluate(() => getComputedStyle(document.querySelector('button')!).backgroundColor),
      ).toBe('rgb(67, 56, 202)');
      expect(errors).toEqual([]);
      await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
      if (process.env.UPDATE_SCREENSHOTS) copyFileSync(`${SHOTS}/${name}.png`, `docs/${name}.png`);
      await page.close();
    }
    // opening the page twice changed nothing
    expect((await a.get(`/v1/invites/${inv.id}`)).json()).toMatchObject({ status: 'pending', uses: 0 });

    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await page.goto(link);
    const log: string[] = [];
    page.on('response', (r) => log.push(`${r.status()} ${r.url()}`));
    page.on('console', (m) => log.push(`console: ${m.text()}`));
    await page.keyboard.press('Tab'); // keyboard-usable button
    log.push(`focused: ${await page.evaluate(() => document.activeElement?.tagName)}`);
    await Promise.all([
      page.waitForURL(`${hostOrigin}/welcome**`, { timeout: 10_000 }).catch((e) => {
        throw new Error(`${e.message}\n${log.join('\n')}`);
      }),
      page.keyboard.press('Enter'),
    ]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('code')).toBe(inv.code);
    expect(landed.searchParams.get('status')).toBe('accepted');
    expect(await page.locator('h1').innerText()).toBe('Welcome aboard');
    expect((await a.get(`/v1/invites/${inv.id}`)).json()).toMatchObject({ status: 'accepted', uses: 1 });

    // the same link afterwards explains itself instead of erroring
    const again = await page.goto(link);
    expect(again!.status()).toBe(410);
    expect(await page.locator('h1').innerText()).toBe('This invitation has already been used');
    await page.screenshot({ path: `${SHOTS}/landing-used.png` });
    await page.close();
  });

  it('declines in the browser; the QR code of the link decodes to the link', async () => {
    const a = api(h);
    const inv = (
      await a.post('/v1/invites', {
        email: 'decliner@example.com',
        send: false,
        inviter: { name: 'Grace Hopper' },
        scope: { type: 'workspace', id: 'Acme Design' },
      })
    ).json();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(inv.url);
    await expect(page.getByRole('button', { name: 'Decline' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: `${SHOTS}/landing-buttons.png`, fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS)
      copyFileSync(`${SHOTS}/landing-buttons.png`, 'docs/landing-buttons.png');

    // the QR code, drawn by the browser and read back by a QR decoder (on a page of the same
    // origin, with the page's CSP set aside for the decoder script only)
    const reader = await browser.newPage({ bypassCSP: true });
    await reader.goto(`${inv.url}/done`);
    await reader.addScriptTag({ path: 'node_modules/jsqr/dist/jsQR.js' });
    const decoded = await reader.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 400;
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 400, 400);
      ctx.drawImage(img, 0, 0, 400, 400);
      const data = ctx.getImageData(0, 0, 400, 400);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (window as any).jsQR(data.data, 400, 400)?.data ?? null;
    }, `${inv.url}/qr.svg`);
    expect(decoded).toBe(inv.url);
    await reader.close();

    await page.goto(inv.url);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Decline' }).click()]);
    await expect(page.locator('h1').innerText()).resolves.toBe('You declined this invitation');
    expect((await a.get(`/v1/invites/${inv.id}`)).json()).toMatchObject({ status: 'declined' });
    await page.close();
  });
});
