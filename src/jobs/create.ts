import type { Job } from 'bullmq';
import type { Service } from '../invites/service.js';
import { createPayload } from './queues.js';

/** The `create` job: one chunk of a bulk send becomes invites and queued sends. */
export function createProcessor(service: Service) {
  return async (job: Job) => {
    const { batchId, chunk } = createPayload.parse(job.data);
    return service.processChunk(batchId, chunk);
  };
}
