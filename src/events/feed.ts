import { HeraldError } from '../errors.js';
import {
  compareStreamIds,
  cursorOf,
  FEED_START,
  streamIdOfCursor,
  streamIdOfEvent,
  type HeraldEvent,
} from './catalog.js';
import { renderEvent } from './render.js';
import type { EventStore, StreamEntry } from './store.js';

export interface FeedQuery {
  after?: string;
  limit: number;
  type?: string[];
  inviteId?: string;
}

/** Entries one request may look at, so a narrow filter over a long feed stays a bounded call. */
const SCAN_BUDGET = 5000;
const PAGE = 500;

const invalidCursor = (why: string) =>
  new HeraldError('invalid_cursor', 400, `The cursor ${why}.`, [{ field: 'after' }]);

export type Feed = ReturnType<typeof createFeed>;

/** GET /v1/events: the whole feed in order, from a cursor, with optional filters. */
export function createFeed(events: EventStore, publicUrl: string) {
  async function start(after: string | undefined): Promise<string> {
    if (after === undefined) return FEED_START;
    const pos = streamIdOfCursor(after);
    if (!pos) throw invalidCursor('is not one this feed gave out');
    const { last, floor } = await events.bounds();
    if (pos !== FEED_START && (last === null || compareStreamIds(pos, last) > 0)) {
      throw invalidCursor('is not one this feed gave out');
    }
    if (floor && compareStreamIds(pos, floor) < 0) {
      throw invalidCursor('has expired: events after it are past EVENT_RETENTION');
    }
    return pos;
  }

  return {
    async list(q: FeedQuery): Promise<{ data: HeraldEvent[]; hasMore: boolean; nextCursor: string }> {
      const from = await start(q.after);
      const types = q.type ? new Set(q.type) : null;
      const wanted = (e: StreamEntry) =>
        !e.to && (!types || types.has(e.type)) && (!q.inviteId || e.inviteId === q.inviteId);
      const found: StreamEntry[] = [];
      let pos = from;
      let examined = 0;
      let ended = false;
      while (!ended && found.length <= q.limit && examined < SCAN_BUDGET) {
        const asked = Math.min(PAGE, SCAN_BUDGET - examined);
        const page = await events.after(pos, asked);
        ended = page.length < asked;
        for (const e of page) {
          examined += 1;
          pos = e.streamId;
          if (wanted(e)) found.push(e);
          if (found.length > q.limit) break;
        }
      }
      const data = found.slice(0, q.limit);
      const full = found.length > q.limit;
      // A full page or a finished scan ends at the last event returned (or where it started);
      // a scan cut short by its budget ends where it stopped looking, so the next call moves on.
      let next = data.length ? data[data.length - 1].streamId : from;
      if (!full && !ended) next = pos;
      return {
        data: data.map((e) => renderEvent(e, publicUrl)),
        hasMore: full || !ended,
        nextCursor: cursorOf(next),
      };
    },

    /** One event by id (webhook redelivery), or null when unknown or past retention. */
    async get(id: string) {
      const streamId = streamIdOfEvent(id);
      return streamId ? events.get(streamId) : null;
    },
  };
}
