import { HeraldError } from '../errors.js';
import {
  advance,
  compareStreamIds,
  cursorOf,
  feedStart,
  positionOfCursor,
  refOfEvent,
  type HeraldEvent,
  type Position,
} from './catalog.js';
import { inScopes } from '../access/scopes.js';
import { parseDoc } from '../invites/store.js';
import { renderEvent } from './render.js';
import { tenantOf, type EventStore, type StreamEntry } from './store.js';

export interface FeedQuery {
  after?: string;
  limit: number;
  type?: string[];
  inviteId?: string;
  /** Only this tenant's events. */
  tenant?: string;
  /** Only events of invites of these scopes (a key limited by scopeIds, DESIGN §15). */
  scopeIds?: string[] | null;
}

/** Entries one request may look at, so a narrow filter over a long feed stays a bounded call. */
const SCAN_BUDGET = 5000;
const PAGE = 500;

const invalidCursor = (why: string) =>
  new HeraldError('invalid_cursor', 400, `The cursor ${why}.`, [{ field: 'after' }]);

export type Feed = ReturnType<typeof createFeed>;

/** GET /v1/events: the whole feed in order, from a cursor, with optional filters. */
export function createFeed(events: EventStore, publicUrl: string) {
  async function start(after: string | undefined): Promise<Position> {
    if (after === undefined) return feedStart(events.streams);
    const pos = positionOfCursor(after, events.streams);
    if (!pos) throw invalidCursor('is not one this feed gave out');
    const { last, floor } = await events.bounds();
    pos.forEach((p, i) => {
      const l = last[i];
      if (p !== '0-0' && (l === null || compareStreamIds(p, l) > 0)) {
        throw invalidCursor('is not one this feed gave out');
      }
      const f = floor[i];
      if (f && compareStreamIds(p, f) < 0) {
        throw invalidCursor('has expired: events after it are past EVENT_RETENTION');
      }
    });
    return pos;
  }

  return {
    async list(q: FeedQuery): Promise<{ data: HeraldEvent[]; hasMore: boolean; nextCursor: string }> {
      const from = await start(q.after);
      const types = q.type ? new Set(q.type) : null;
      const wanted = (e: StreamEntry) =>
        !e.to &&
        (!types || types.has(e.type)) &&
        (!q.inviteId || e.inviteId === q.inviteId) &&
        (!q.tenant || tenantOf(e) === q.tenant) &&
        (!q.scopeIds || (e.inv !== null && inScopes(q.scopeIds, parseDoc(e.inv).scope)));
      const found: StreamEntry[] = [];
      let pos = from;
      let atLast = from; // the position just after the last event kept
      let examined = 0;
      let ended = false;
      while (!ended && found.length <= q.limit && examined < SCAN_BUDGET) {
        const asked = Math.min(PAGE, SCAN_BUDGET - examined);
        const page = await events.after(pos, asked);
        ended = page.length < asked;
        for (const e of page) {
          examined += 1;
          pos = advance(pos, [e.streamId]);
          if (wanted(e)) found.push(e);
          if (found.length > q.limit) break;
          if (wanted(e)) atLast = pos;
        }
      }
      const data = found.slice(0, q.limit);
      const full = found.length > q.limit;
      // A full page or a finished scan ends at the last event returned (or where it started);
      // a scan cut short by its budget ends where it stopped looking, so the next call moves on.
      let next = atLast;
      if (!full && !ended) next = pos;
      return {
        data: data.map((e) => renderEvent(e, publicUrl)),
        hasMore: full || !ended,
        nextCursor: cursorOf(next),
      };
    },

    /** One event by id (webhook redelivery), or null when unknown or past retention. */
    async get(id: string) {
      const ref = refOfEvent(id);
      return ref ? events.get(ref) : null;
    },
  };
}
