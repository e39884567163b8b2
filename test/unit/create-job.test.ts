import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { Bulk } from '../../src/invites/bulk.js';
import { createProcessor } from '../../src/jobs/create.js';

describe('the create job', () => {
  it('runs at most two chunks at once in a process, and every chunk once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const bulk = {
      async processChunk(_batchId: string, n: number) {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        done.push(n);
        return { created: 1, duplicates: 0 };
      },
    } as unknown as Bulk;
    const run = createProcessor(bulk);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, chunk) => run({ data: { batchId: 'bat_1', chunk } } as Job)),
    );
    expect(most).toBe(2);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(results.every((r) => r.created === 1)).toBe(true);
  });
});
