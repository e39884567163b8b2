import { describe, expect, it } from 'vitest';
import { randomBytesPooled } from '../../src/random.js';

describe('randomBytesPooled', () => {
  it('hands out the asked length, never the same bytes twice, across refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = randomBytesPooled(12); // 24,000 bytes: several refills of the 4 KiB pool
      expect(b).toHaveLength(12);
      seen.add(b.toString('hex'));
    }
    expect(seen.size).toBe(2000);
    expect(randomBytesPooled(1000)).toHaveLength(1000);
  });
});
