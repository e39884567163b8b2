import type { Domain } from '../invites/domain.js';
import type { Metrics } from '../metrics.js';

export interface MaintenanceDeps {
  domain: Pick<Domain, 'service' | 'store' | 'repairDeliveries'>;
  metrics: Metrics;
  repairAfterMs: number;
  /** Drops events past EVENT_RETENTION; returns how many. */
  trimEvents: () => Promise<number>;
}

/**
 * The `expire` job: one sweep, never two at once (a lock in Redis), cost ∝ what expired; then
 * a repair pass that queues again any send whose job was lost, ends batches whose end a crash
 * missed, and trims the event feed.
 */
export function expireProcessor(d: MaintenanceDeps) {
  return async () => {
    const release = await d.domain.store.lock('sweep', 5 * 60_000);
    if (!release) return { skipped: 'another sweep is running' };
    const stop = d.metrics.sweepDuration.startTimer();
    try {
      const swept = await d.domain.service.sweep();
      stop();
      d.metrics.lastSweep.setToCurrentTime();
      await d.domain.store.setLastSweep(Date.now());
      const repair = await d.domain.repairDeliveries(d.repairAfterMs);
      const batchesEnded = await d.domain.store.finishBatches(Date.now());
      return { ...swept, repair, batchesEnded, eventsTrimmed: await d.trimEvents() };
    } finally {
      await release();
    }
  };
}
