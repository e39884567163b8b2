import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * One registry per process (never the global one, so tests can build many apps). Counters of
 * what happened to invites are read from Redis at scrape time, so a web process reports what
 * its separate workers did.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'herald_process_' });
  const reg = [registry];
  // Requests are tallied in plain numbers and handed to the counter when it is scraped: its
  // labelled inc() hashes the labels on every call, a cost every request paid.
  const requests = new Map<string, { labels: Record<'method' | 'route' | 'status', string>; n: number }>();
  new Counter({
    name: 'herald_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: reg,
    collect() {
      for (const r of requests.values()) {
        if (r.n > 0) this.inc(r.labels, r.n);
        r.n = 0;
      }
    },
  });
  return {
    registry,
    /** Counts one answered request (herald_http_requests_total). */
    countRequest(method: string, route: string, status: number) {
      const key = `${method} ${route} ${status}`;
      const r = requests.get(key);
      if (r) r.n += 1;
      else requests.set(key, { labels: { method, route, status: String(status) }, n: 1 });
    },
    sendLatency: new Histogram({
      name: 'herald_send_duration_seconds',
      help: 'Time to hand one message to SMTP',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: reg,
    }),
    sweepDuration: new Histogram({
      name: 'herald_sweep_duration_seconds',
      help: 'Duration of one expiry sweep',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5],
      registers: reg,
    }),
    lastSweep: new Gauge({
      name: 'herald_last_sweep_timestamp_seconds',
      help: 'When this process last finished a sweep',
      registers: reg,
    }),
    /** Registers gauges whose value is read (from Redis, BullMQ) when /metrics is scraped. */
    onScrape(name: string, help: string, labelNames: string[], read: (g: Gauge) => Promise<void>) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: reg,
        async collect() {
          await read(this);
        },
      });
    },
  };
}
