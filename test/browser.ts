import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Our own flags rather than @sparticuz/chromium's defaults: those turn off web security and
// site isolation, which would hide exactly the cross-site behaviour the browser tests check.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--no-zygote',
];

/** CHROMIUM_PATH, else Debian's chromium, else the build shipped inside @sparticuz/chromium. */
export async function chromiumPath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  const { default: packaged } = await import('@sparticuz/chromium');
  return packaged.executablePath();
}

/** A headless Chromium driven by playwright-core; no browser download needed. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: await chromiumPath(), args: FLAGS });
}
