import type { Clock } from '../clock.js';
import { effectiveStatus } from './invite.js';
import type { JobPort, SendItem } from './ports.js';
import type { Store } from './store.js';

/**
 * Closes the window between storing an invite (or a resend) and queueing its send job: a send
 * recorded as queued for longer than `graceMs` whose job does not exist is queued again, with the
 * same job id, so a send whose job does exist is never doubled.
 */
export function createRepair(store: Store, jobs: JobPort, clock: Clock) {
  return async function repairDeliveries(graceMs: number, limit = 1000) {
    const now = clock.now();
    const entries = await store.queuedBefore(now - graceMs, limit);
    const settled = [];
    const open: { entry: (typeof entries)[number]; item: SendItem }[] = [];
    for (const e of entries) {
      const d = e.doc;
      const waiting = d?.delivery.status === 'queued' || d?.delivery.status === 'scheduled';
      if (!d || effectiveStatus(d, now) !== 'pending' || !waiting) settled.push(e);
      else {
        const seq = d.delivery.queuedSeq;
        const delayMs = d.delivery.scheduledFor ? Math.max(0, d.delivery.scheduledFor - now) : undefined;
        open.push({
          entry: e,
          item: { inviteId: d.id, seq, batchId: seq === 1 ? d.batchId : null, delayMs },
        });
      }
    }
    await store.settleQueued('drop', now, settled);
    const requeued = await jobs.requeueMissing(open.map((o) => o.item));
    // Looked at: the next pass starts with others, so a long backlog does not hide a lost job.
    await store.settleQueued(
      'bump',
      now,
      open.map((o) => o.entry),
    );
    return { checked: entries.length, requeued };
  };
}
