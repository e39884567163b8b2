import { createHmac, randomInt } from 'node:crypto';
import { randomBytesPooled } from '../random.js';
import { placeCode, type Partitioning } from './partitions.js';

/**
 * Invite codes are derived, never stored: code = HMAC(INVITE_SECRET, id | salt), where the salt
 * is 96 random bits. Redis keeps the salt and a second HMAC (the lookup digest), so neither a
 * dump nor a job payload lets anyone rebuild a code without the secret.
 */
export const CODE_LENGTH = 12; // 72 bits of base64url

export function newSalt(): string {
  return randomBytesPooled(12).toString('base64url');
}

/** The code of invite `id` with `salt`, placed in the invite's partition (partitions.ts). */
export function deriveCode(secret: string, id: string, salt: string, parts: Partitioning): string {
  const mac = createHmac('sha256', secret).update(`code|${id}|${salt}`).digest('base64url');
  return placeCode(mac.slice(0, CODE_LENGTH), parts.ofId(id), parts.count);
}

export function codeDigest(secret: string, code: string): string {
  return createHmac('sha256', secret).update(`lookup|${code}`).digest('base64url').slice(0, 22);
}

export function looksLikeCode(s: string): boolean {
  return s.length === CODE_LENGTH && /^[A-Za-z0-9_-]+$/.test(s);
}

let lastMs = 0;
let seq = 0;

/**
 * Time-ordered ids: within one process, lexical order is creation order. `tail` replaces the six
 * random characters at the end (an invite's carry its partition, src/invites/partitions.ts).
 */
export function newId(prefix: 'inv' | 'bat' | 'ers', now = Date.now(), tail?: string): string {
  if (now === lastMs) seq += 1;
  else {
    lastMs = now;
    seq = 0;
  }
  const rand =
    tail ??
    randomInt(0, 36 ** 6)
      .toString(36)
      .padStart(6, '0');
  return `${prefix}_${now.toString(36).padStart(9, '0')}${seq.toString(36).padStart(4, '0')}${rand}`;
}

export const looksLikeId = (s: string) => /^inv_[0-9a-z]{19}$/.test(s);
