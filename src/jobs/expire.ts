import type { Service } from '../invites/service.js';
import type { Store } from '../invites/store.js';
import type { Metrics } from '../metrics.js';

/** The `expire` job: one sweep, never two at once (a lock in Redis), cost ∝ what expired. */
export function expireProcessor(service: Service, store: Store, metrics: Metrics) {
  return async () => {
    const release = await store.lock('sweep', 5 * 60_000);
    if (!release) return { skipped: 'another sweep is running' };
    const stop = metrics.sweepDuration.startTimer();
    try {
      return await service.sweep();
    } finally {
      stop();
      metrics.lastSweep.setToCurrentTime();
      await release();
    }
  };
}
