import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { dataKeys, dataPrefix, queuePrefix } from '../keys.js';
import { DELIVERY } from './queues.js';

/**
 * An invite's jobs go to the delivery shard its id picks among DELIVERY_SHARDS, so a job left in
 * a shard under another count would not be found by a resend or by the repair sweep, which could
 * queue the same send twice. The count is stored with the data; another count is taken only while
 * every shard of the stored count is empty, and refused otherwise, naming the count to set.
 */
export async function checkDeliveryShards(connection: Redis, name: string, shards: number) {
  const key = dataKeys(dataPrefix(name)).deliveryShards;
  // Queues from before this record are one shard.
  const older = await connection.exists(`${queuePrefix(name, 'delivery', '0')}:${DELIVERY}:meta`);
  await connection.set(key, older ? '1' : String(shards), 'NX');
  const stored = Number(await connection.get(key));
  if (stored === shards) return;
  const old = Array.from(
    { length: stored },
    (_, i) => new Queue(DELIVERY, { connection, prefix: queuePrefix(name, 'delivery', String(i)) }),
  );
  try {
    const counts = await Promise.all(
      old.map((q) =>
        q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused'),
      ),
    );
    const jobs = counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
    if (jobs > 0) {
      throw new Error(
        `The delivery queues hold ${jobs} job(s) under DELIVERY_SHARDS=${stored}, and this process has ` +
          `${shards}. Start with DELIVERY_SHARDS=${stored} until they are done (scheduled sends and ` +
          `reminders included), then change it.`,
      );
    }
    await connection.set(key, String(shards));
  } finally {
    await Promise.all(old.map((q) => q.close()));
  }
}
