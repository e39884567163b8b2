import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

/** @bull-board's queue dashboard under /console/queues, inside the console's sign-in. */
export async function mountQueueBoard(app: FastifyInstance, queues: Queue[]) {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath('/console/queues');
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  await app.register(serverAdapter.registerPlugin() as never, { prefix: '/console/queues' });
}
