import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';

export const SESSION_MS = 12 * 3600_000;

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Who is signed in: an operator key (may switch tenants) or a tenant key with `*` (its own tenant). */
export interface Session {
  keyId: string;
  operator: boolean;
  tenant: string;
  at: number;
}

export type Sessions = ReturnType<typeof createSessions>;

/**
 * Console sessions in Redis: the browser holds a random token (HttpOnly cookie), Redis holds
 * only its digest, for 12 hours at most; signing out deletes it, so a copied cookie stops working.
 */
export function createSessions(redis: Redis, prefix: string) {
  const key = (token: string) => dataKeys(prefix).consoleSession(digest(token));
  return {
    async create(s: Omit<Session, 'at'>): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      await redis.set(key(token), JSON.stringify({ ...s, at: Date.now() }), 'PX', SESSION_MS);
      return token;
    },
    async get(token: string | undefined): Promise<Session | null> {
      if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
      const raw = await redis.get(key(token));
      return raw ? (JSON.parse(raw) as Session) : null;
    },
    /** An operator's switch to another tenant; the session keeps its end. */
    async switchTenant(token: string, s: Session, tenant: string) {
      await redis.set(key(token), JSON.stringify({ ...s, tenant }), 'KEEPTTL');
    },
    async end(token: string | undefined) {
      if (token) await redis.del(key(token));
    },
  };
}
