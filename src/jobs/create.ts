import type { Job } from 'bullmq';
import type { Bulk } from '../invites/bulk.js';
import { createPayload } from './queues.js';

/** The `create` job: one chunk of a bulk send becomes invites and queued sends. */
export function createProcessor(bulk: Bulk) {
  return async (job: Job) => {
    const { batchId, chunk } = createPayload.parse(job.data);
    return bulk.processChunk(batchId, chunk);
  };
}
