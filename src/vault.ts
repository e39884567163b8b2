import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { randomBytesPooled } from './random.js';

/**
 * Authenticated encryption (AES-256-GCM) under a key derived from INVITE_SECRET and a purpose:
 * webhook secrets are kept in Redis sealed, so a reader of a dump cannot sign webhooks; an
 * unsubscribe token is an address sealed, so it can be neither read nor forged. Output is base64url.
 */
export function createVault(inviteSecret: string, purpose = 'herald webhook secrets v1') {
  const key = createHmac('sha256', inviteSecret).update(purpose).digest();
  return {
    seal(plain: string): string {
      const iv = randomBytesPooled(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
    },
    open(sealed: string): string {
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 29) throw new Error('too short to be sealed');
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    },
  };
}
export type Vault = ReturnType<typeof createVault>;
