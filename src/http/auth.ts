import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
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
  const hashes = keys.map(sha);
  return (req: FastifyRequest): string => {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
    const presented = sha(m ? m[1] : '');
    let match = -1;
    hashes.forEach((h, i) => {
      if (timingSafeEqual(h, presented) && m) match = i;
    });
    if (match < 0) throw unauthorized();
    return hashes[match].subarray(0, 8).toString('hex');
  };
}
