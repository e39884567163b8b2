/** Every event type Herald records (DESIGN §10); webhooks subscribe to a subset of these. */
export const EVENT_TYPES = [
  'invite.created',
  'invite.sent',
  'invite.delivery_failed',
  'invite.suppressed',
  'invite.bounced',
  'invite.opened',
  'invite.accepted',
  'invite.declined',
  'invite.canceled',
  'invite.expired',
  'invite.deleted',
  'batch.completed',
  'suppression.created',
  'suppression.deleted',
  'subject.erased',
  'invite.approval_requested',
  'invite.approved',
  'invite.rejected',
  'webhook.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event as the feed and webhooks show it. */
export interface HeraldEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/*
 * Events live in one Redis stream per partition (src/keys.ts), plus the data prefix's own when
 * there are several. An event's reference is its stream id ("ms-seq"), with ".N" after it for
 * the N-th stream (none for the first, so one stream keeps the plain ids). A position in the whole
 * feed is one stream id per stream, written "id,id,…". Event ids and cursors carry them in base 36
 * so they stay short: evt_<ms>_<seq>[_<stream>] names an event, cur_<ms>_<seq>[.<ms>_<seq>…] a
 * position.
 */
const enc = (streamId: string) => {
  const [ms, seq] = streamId.split('-').map(BigInt);
  return `${ms.toString(36)}_${seq.toString(36)}`;
};
const ID36 = '([0-9a-z]{1,11})_([0-9a-z]{1,13})';
const dec = (ms: string, seq: string) => `${parseInt36(ms)}-${parseInt36(seq)}`;
const parseInt36 = (s: string) => [...s].reduce((n, ch) => n * 36n + BigInt(parseInt(ch, 36)), 0n);

/** An event's reference from its stream's number and its id there. */
export const refOf = (stream: number, streamId: string) =>
  stream === 0 ? streamId : `${streamId}.${stream}`;
export function splitRef(ref: string): { stream: number; streamId: string } {
  const [streamId, stream] = ref.split('.');
  return { stream: stream === undefined ? 0 : Number(stream), streamId };
}

export const eventId = (ref: string) => {
  const { stream, streamId } = splitRef(ref);
  return `evt_${enc(streamId)}${stream === 0 ? '' : `_${stream.toString(36)}`}`;
};
/** The reference an event id names, or null for text that is no event id. */
export const refOfEvent = (id: string): string | null => {
  const m = new RegExp(`^evt_${ID36}(?:_([0-9a-z]{1,2}))?$`).exec(id);
  return m ? refOf(m[3] ? parseInt(m[3], 36) : 0, dec(m[1], m[2])) : null;
};

/** A position in the feed: the last stream id seen in each stream. */
export type Position = string[];
export const positionText = (p: Position) => p.join(',');
export const parsePosition = (text: string): Position => text.split(',');
/** The position before every event, for `streams` streams. */
export const feedStart = (streams: number): Position => Array.from({ length: streams }, () => '0-0');
/** The position after the given entries (of a merged read that started at `from`). */
export function advance(from: Position, refs: string[]): Position {
  const p = [...from];
  for (const ref of refs) {
    const { stream, streamId } = splitRef(ref);
    p[stream] = streamId;
  }
  return p;
}
export const cursorOf = (p: Position) => `cur_${p.map(enc).join('.')}`;
/** The position a cursor names, or null for text that is no cursor of a feed of `streams` streams. */
export function positionOfCursor(cursor: string, streams: number): Position | null {
  if (!cursor.startsWith('cur_')) return null;
  const parts = cursor.slice(4).split('.');
  if (parts.length !== streams) return null;
  const out: string[] = [];
  for (const part of parts) {
    const m = new RegExp(`^${ID36}$`).exec(part);
    if (!m) return null;
    out.push(dec(m[1], m[2]));
  }
  return out;
}

/** Compares two stream ids ("ms-seq") numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/** The feed's order: by stream id, then by stream (events of one millisecond in two streams). */
export function compareRefs(a: string, b: string): number {
  const [x, y] = [splitRef(a), splitRef(b)];
  return compareStreamIds(x.streamId, y.streamId) || x.stream - y.stream;
}
