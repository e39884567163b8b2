import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * INVITE_SECRET for `npm start` when it is unset: generated once into a local file (mode 600),
 * never into Redis, so that a Redis dump alone cannot rebuild invite codes.
 */
export function localSecret(file = '.herald/invite-secret'): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** An API key for `npm start` when API_KEYS is unset: made per start and printed once. */
export function generatedApiKey(): string {
  return `hk_${randomBytes(24).toString('base64url')}`;
}
