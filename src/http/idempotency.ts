import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HeraldError } from '../errors.js';
import type { Store } from '../invites/store.js';

const DAY = 24 * 3600;
/** How long a duplicate waits for the first request before answering 409 idempotency_in_progress. */
export const IN_PROGRESS_WAIT_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` at most once per `Idempotency-Key` (per API key) for 24 h and replays its answer.
 * A concurrent duplicate waits for the first to finish; the same key with another body is 422.
 * Only successes are kept, so a request that failed can be retried with the same key.
 */
export async function idempotent(
  store: Store,
  scope: string,
  req: FastifyRequest,
  reply: FastifyReply,
  fn: () => Promise<{ status: number; body: unknown }>,
  waitMs = IN_PROGRESS_WAIT_MS,
) {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) {
    const r = await fn();
    return reply.code(r.status).send(r.body);
  }
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new HeraldError(
      'invalid_idempotency_key',
      400,
      'Idempotency-Key must be 1 to 255 printable characters.',
      [{ field: 'Idempotency-Key' }],
    );
  }
  const idemKey = createHash('sha256').update(key).digest('base64url');
  const fingerprint = createHash('sha256')
    .update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`)
    .digest('base64url');
  for (let waited = 0; ; waited += 50) {
    const claim = await store.idemClaim(scope, idemKey, fingerprint);
    if (claim.state === 'mismatch') {
      throw new HeraldError(
        'idempotency_key_reused',
        422,
        'This Idempotency-Key was used with a different request.',
        [{ field: 'Idempotency-Key' }],
      );
    }
    if (claim.state === 'done')
      return reply.code(claim.status).header('idempotent-replayed', 'true').send(claim.body);
    if (claim.state === 'new') break;
    if (waited >= waitMs)
      throw new HeraldError(
        'idempotency_in_progress',
        409,
        'A request with this Idempotency-Key is still running.',
      );
    await sleep(50);
  }
  try {
    const r = await fn();
    await store.idemStore(scope, idemKey, fingerprint, r.status, r.body, DAY);
    return reply.code(r.status).send(r.body);
  } catch (err) {
    await store.idemRelease(scope, idemKey).catch(() => {});
    throw err;
  }
}
