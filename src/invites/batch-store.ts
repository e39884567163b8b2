import type { Redis } from 'ioredis';
import { dataKeys, partitionKeys } from '../keys.js';

export interface BatchRecord {
  id: string;
  status: string;
  total: number;
  created: number;
  duplicates: number;
  sent: number;
  failed: number;
  suppressed: number;
  chunks: number;
  createdAt: number;
  finishedAt: number | null;
  fields: string;
  /** A decision on the whole batch (approve or reject) that chunks stored later follow too. */
  decision: 'approve' | 'reject' | null;
}

const BATCH_COUNTERS = ['created', 'duplicates', 'sent', 'failed', 'suppressed'] as const;

/** Runs one of the batch scripts (chunk_done, finish_batch) under a prefix; store.ts owns them. */
export type RunBatchScript = (
  script: 'chunk_done' | 'finish_batch',
  P: string,
  now: number,
  ...args: (string | number)[]
) => Promise<unknown>;

/**
 * Bulk batches in Redis. The record and the chunks' address lists live under the data prefix
 * (D:batch:ID, D:batch:ID:chunk:N); each partition keeps the counters of the batch's invites it
 * stores (P:batch:ID) and each chunk's result (P:batch:ID:done:N), so totals are summed over the
 * partitions and the end of a batch is a check over all of them.
 */
export function createBatchStore(redis: Redis, prefix: string, parts: string[], run: RunBatchScript) {
  const D = dataKeys(prefix);
  const pk = partitionKeys;
  const batches = {
    /** Writes a bulk batch and its chunks in one transaction. */
    async createBatch(
      b: Omit<
        BatchRecord,
        'created' | 'duplicates' | 'sent' | 'failed' | 'suppressed' | 'finishedAt' | 'decision'
      >,
      chunks: string[][],
    ) {
      const m = redis.multi();
      chunks.forEach((c, i) => m.rpush(D.batchChunk(b.id, i), ...c));
      m.hset(D.batch(b.id), {
        ...b,
        created: 0,
        duplicates: 0,
        sent: 0,
        failed: 0,
        suppressed: 0,
        chunksDone: 0,
        finishedAt: '',
      });
      m.zadd(D.batches, b.createdAt, b.id);
      await m.exec();
    },

    /**
     * Removes a batch no job was queued for. Plain deletes, no MULTI: a Redis out of memory
     * refuses every command queued in a transaction, but still takes DEL and ZREM.
     */
    async dropBatch(id: string, chunks: number) {
      await redis.zrem(D.batches, id);
      await redis.del(D.batch(id), ...Array.from({ length: chunks }, (_, i) => D.batchChunk(id, i)));
    },

    /** Records a decision on a whole batch, for the chunks still to be stored (DESIGN §17). */
    async decideBatch(id: string, decision: 'approve' | 'reject') {
      await redis.hset(D.batch(id), 'decision', decision);
    },

    /** The newest batch ids (the console lists them). */
    async recentBatches(count: number): Promise<string[]> {
      return redis.zrevrange(D.batches, 0, count - 1);
    },

    /** The batch record with its counters summed over the partitions. */
    async getBatch(id: string): Promise<BatchRecord | null> {
      const h = await redis.hgetall(D.batch(id));
      if (!h.id) return null;
      const sums = await batches.batchTotals(id);
      const n = (f: string) => Number(h[f] ?? 0);
      return {
        id: h.id,
        status: h.status,
        total: n('total'),
        ...sums,
        chunks: n('chunks'),
        createdAt: n('createdAt'),
        finishedAt: h.finishedAt ? Number(h.finishedAt) : null,
        fields: h.fields,
        decision: h.decision === 'approve' || h.decision === 'reject' ? h.decision : null,
      };
    },

    /** A batch's counters summed over the partitions its invites live in. */
    async batchTotals(id: string): Promise<Record<(typeof BATCH_COUNTERS)[number], number>> {
      const rows = await Promise.all(parts.map((P) => redis.hmget(pk(P).batchShare(id), ...BATCH_COUNTERS)));
      const sum = (i: number) => rows.reduce((a, r) => a + Number(r[i] ?? 0), 0);
      return {
        created: sum(0),
        duplicates: sum(1),
        sent: sum(2),
        failed: sum(3),
        suppressed: sum(4),
      };
    },

    /** Chunk N's addresses; empty once every partition stored its share (chunkDone). */
    async chunkEmails(batchId: string, n: number): Promise<string[]> {
      return redis.lrange(D.batchChunk(batchId, n), 0, -1);
    },

    /**
     * The 'ok:ID's every partition kept from storing chunk N (for a job retried after chunkDone),
     * until the batch ends.
     */
    async chunkResults(batchId: string, n: number): Promise<string[]> {
      const raws = await Promise.all(parts.map((P) => redis.get(pk(P).chunkDone(batchId, n))));
      return raws.flatMap((r) => (r ? (JSON.parse(r) as string[]) : []));
    },

    async chunkDone(batchId: string, n: number, now: number) {
      await run('chunk_done', prefix, now, batchId, String(n));
    },

    /**
     * Ends the batch if every chunk is stored and every first send ended (publishing
     * batch.completed once); true when this call ended it. Safe to call any time, from anywhere.
     */
    async finishBatch(batchId: string, now: number): Promise<boolean> {
      const [done, chunks, finishedAt] = await redis.hmget(
        D.batch(batchId),
        'chunksDone',
        'chunks',
        'finishedAt',
      );
      const seen = Number(done ?? -1);
      // Chunks still to store, or ended already: no need to read every partition.
      if (seen < 0 || seen < Number(chunks) || finishedAt) return false;
      const totals = await batches.batchTotals(batchId);
      if (totals.sent + totals.failed + totals.suppressed < totals.created) return false;
      const ended = (await run(
        'finish_batch',
        prefix,
        now,
        batchId,
        JSON.stringify(totals),
        seen,
      )) as unknown;
      if (ended !== 1) return false;
      // Each partition's share stops counting (the data prefix's own share was ended by the
      // script), and the chunks' results go: a create job run again now has no send to queue.
      await Promise.all(
        parts.map((P) => {
          const m = redis.multi();
          if (P !== prefix)
            m.hset(pk(P).batchShare(batchId), 'finishedAt', now).del(pk(P).batchEnded(batchId));
          for (let n = 0; n < Number(chunks); n++) m.del(pk(P).chunkDone(batchId, n));
          return m.exec();
        }),
      );
      return true;
    },

    /** Ends every recent batch that is done but was not marked so (a crash after its last send). */
    async finishBatches(now: number, recent = 100) {
      const ids = await redis.zrevrange(D.batches, 0, recent - 1);
      const states = await Promise.all(ids.map((id) => redis.hget(D.batch(id), 'finishedAt')));
      let n = 0;
      for (const [i, id] of ids.entries())
        if (states[i] === '' && (await batches.finishBatch(id, now))) n += 1;
      return n;
    },
  };
  return batches;
}
