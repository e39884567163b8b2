import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';

export const SESSION_MS = 12 * 3600_000;

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

export type Sessions = ReturnType<typeof createSessions>;

/**
 * Console sessions in Redis: the browser holds a random token (HttpOnly cookie), Redis holds
 * only its digest, for 12 hours at most; signing out deletes it, so a copied cookie stops working.
 */
export function createSessions(redis: Redis, prefix: string) {
  const key = (token: string) => dataKeys(prefix).consoleSession(digest(token));
  return {
    async create(keyId: string): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      await redis.set(key(token), JSON.stringify({ keyId, at: Date.now() }), 'PX', SESSION_MS);
      return token;
    },
    async valid(token: string | undefined): Promise<boolean> {
      if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
      return (await redis.exists(key(token))) === 1;
    },
    async end(token: string | undefined) {
      if (token) await redis.del(key(token));
    },
  };
}
