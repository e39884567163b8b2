import type { Job } from 'bullmq';
import pLimit from 'p-limit';
import type { Bulk } from '../invites/bulk.js';
import { createPayload } from './queues.js';

/**
 * The `create` job: one chunk of a bulk send becomes invites and queued sends. At most `parallel`
 * chunks run at once in a process: each holds its 500 invites and their 500 send jobs in memory,
 * and a 10,000-address send's 20 chunks at once raised a worker's memory by 90 MB. Redis stores
 * them one after the other anyway, so the sends start no later.
 */
export function createProcessor(bulk: Bulk, parallel = 2) {
  const limit = pLimit(parallel);
  return async (job: Job) => {
    const { batchId, chunk } = createPayload.parse(job.data);
    return limit(() => bulk.processChunk(batchId, chunk));
  };
}
