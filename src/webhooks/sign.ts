import { createHmac, randomBytes } from 'node:crypto';

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks). */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * The `webhook-signature` header of Standard Webhooks 1.0: `v1,` + base64 HMAC-SHA256 over
 * `id.timestamp.body`, keyed with the secret's base64-decoded part; one per secret, separated by
 * spaces (two while a rotation is in its grace period).
 */
export function signature(secrets: string[], msgId: string, timestamp: number, body: string): string {
  return secrets
    .map((s) => {
      const key = Buffer.from(s.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
