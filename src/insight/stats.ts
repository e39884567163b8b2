import { parseScopeId } from '../access/scopes.js';
import type { Clock } from '../clock.js';
import { HeraldError, invalid } from '../errors.js';
import type { Store } from '../invites/store.js';

export const METRICS = [
  'created',
  'sent',
  'failed',
  'suppressed',
  'bounced',
  'opened',
  'accepted',
  'declined',
  'expired',
  'canceled',
  'approved',
  'rejected',
] as const;
type Counts = Record<(typeof METRICS)[number], number>;

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const MAX_BUCKETS = 1000;

export interface StatsQuery {
  from?: string;
  to?: string;
  interval: 'hour' | 'day';
  scopeType?: string;
  scopeId?: string;
  batchId?: string;
}

/** The one-scope queries a key limited to `scopeIds` may see of what it asked. */
function scopedQueries(q: StatsQuery, scopeIds: string[]): StatsQuery[] {
  const notAllowed = (field: string) =>
    new HeraldError('scope_not_allowed', 403, 'This key may only read the stats of its scopeIds.', [
      { field, allowed: scopeIds },
    ]);
  if (q.batchId !== undefined) throw notAllowed('batchId');
  const mine = scopeIds
    .map(parseScopeId)
    .filter(
      (s) =>
        (q.scopeType === undefined || s.type === q.scopeType) &&
        (q.scopeId === undefined || s.id === q.scopeId),
    );
  if (q.scopeId !== undefined && !mine.length) throw notAllowed('scopeId');
  return mine.map((s) => ({ ...q, scopeType: s.type, scopeId: s.id }));
}

/** The counter field suffix for one dimension (as lua/lib/counters.lua's tally writes it). */
function dimension(q: StatsQuery): string {
  if (q.batchId !== undefined && (q.scopeType !== undefined || q.scopeId !== undefined)) {
    throw invalid('batchId', 'filter by scope or by batch, not both');
  }
  if (q.batchId !== undefined) return `|b${q.batchId}`;
  if (q.scopeId !== undefined) {
    if (q.scopeType === undefined) throw invalid('scopeType', 'scopeId needs scopeType');
    return `|s${q.scopeType.length}:${q.scopeType}${q.scopeId}`;
  }
  return q.scopeType === undefined ? '' : `|t${q.scopeType}`;
}

function time(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(field, 'must be an ISO-8601 date-time', 'invalid_date');
  return ms;
}

const zero = (): Counts => Object.fromEntries(METRICS.map((m) => [m, 0])) as Counts;
const rate = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);

export type Stats = ReturnType<typeof createStats>;

/** GET /v1/stats: exact funnel counts (moved with each change), per hour or day, and rates. */
export function createStats(store: Store, clock: Clock) {
  return {
    /**
     * `tenant`: whose counts (another than default counts apart, lua/lib/counters.lua);
     * `scopeIds`: a key limited to these scopes sees the sum of theirs only (DESIGN §15).
     */
    async query(q: StatsQuery, tenant = 'default', scopeIds: string[] | null = null) {
      const now = clock.now();
      const to = time(q.to, 'to', now);
      const from = time(q.from, 'from', to - 30 * DAY);
      if (from > to) throw invalid('from', 'must not be after to', 'invalid_date');
      const step = q.interval === 'day' ? DAY : HOUR;
      const first = from - (from % step);
      const buckets = Math.floor((to - first) / step) + 1;
      if (buckets > MAX_BUCKETS) {
        throw new HeraldError(
          'too_many_buckets',
          400,
          `${buckets} buckets asked for; at most ${MAX_BUCKETS}.`,
          [{ field: 'interval' }],
        );
      }
      const hours: number[] = [];
      for (let h = first - (first % HOUR); h <= to; h += HOUR) hours.push(h);
      const own = tenant === 'default' ? '' : `|n${tenant.length}:${tenant}`;
      const dims = (scopeIds ? scopedQueries(q, scopeIds) : [q]).map((d) => own + dimension(d));
      const rows = await store.tallies(
        hours,
        dims.flatMap((dim) => METRICS.map((m) => m + dim)),
      );
      const series = Array.from({ length: buckets }, (_, i) => ({ start: first + i * step, ...zero() }));
      const totals = zero();
      hours.forEach((h, i) => {
        const bucket = series[Math.floor((h - first) / step)];
        if (!bucket) return;
        dims.forEach((_, k) =>
          METRICS.forEach((m, j) => {
            bucket[m] += rows[i][k * METRICS.length + j];
            totals[m] += rows[i][k * METRICS.length + j];
          }),
        );
      });
      return {
        totals,
        series: series.map(({ start, ...c }) => ({ start: new Date(start).toISOString(), ...c })),
        rates: { open: rate(totals.opened, totals.sent), accept: rate(totals.accepted, totals.sent) },
      };
    },
  };
}
