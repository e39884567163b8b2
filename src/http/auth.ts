import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HeraldError } from '../errors.js';

const sha = (s: string) => createHash('sha256').update(s).digest();

export const unauthorized = () =>
  new HeraldError('unauthorized', 401, 'A valid API key is required: Authorization: Bearer <key>.', [], {
    'www-authenticate': 'Bearer',
  });

/**
 * Checks `Authorization: Bearer <key>` against the configured keys' hashes, comparing in
 * constant time and always against every key. Returns a short id of the key (for scoping
 * idempotency records). Keys are only ever read from the header, never the query string.
 */
export function bearerAuth(keys: string[]) {
  const check = keyChecker(keys);
  return (req: FastifyRequest): string => {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
    const id = m ? check(m[1]) : null;
    if (!id) throw unauthorized();
    return id;
  };
}

/** Compares a presented key with every configured key in constant time; its short id, or null. */
export function keyChecker(keys: string[]) {
  const hashes = keys.map(sha);
  return (presented: string): string | null => {
    const h = sha(presented);
    let match = -1;
    hashes.forEach((k, i) => {
      if (timingSafeEqual(k, h)) match = i;
    });
    return match < 0 ? null : hashes[match].subarray(0, 8).toString('hex');
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKeyId?: string;
  }
}

/** Puts every route of this plugin behind an API key (the same 401 for any bad key). */
export function requireApiKey(app: FastifyInstance, keys: string[]) {
  const auth = bearerAuth(keys);
  app.addHook('onRequest', async (req) => {
    req.apiKeyId = auth(req);
  });
}
