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

// Event ids and feed cursors are both positions in one Redis stream ("ms-seq"), written in
// base 36 so they stay short: evt_<ms>_<seq> names an event, cur_<ms>_<seq> a position.
const encode = (prefix: string, streamId: string) => {
  const [ms, seq] = streamId.split('-').map(BigInt);
  return `${prefix}_${ms.toString(36)}_${seq.toString(36)}`;
};
const decode = (prefix: string, text: string): string | null => {
  const m = new RegExp(`^${prefix}_([0-9a-z]{1,11})_([0-9a-z]{1,13})$`).exec(text);
  if (!m) return null;
  const [ms, seq] = [parseInt36(m[1]), parseInt36(m[2])];
  return `${ms}-${seq}`;
};
const parseInt36 = (s: string) => [...s].reduce((n, ch) => n * 36n + BigInt(parseInt(ch, 36)), 0n);

export const eventId = (streamId: string) => encode('evt', streamId);
export const streamIdOfEvent = (id: string) => decode('evt', id);
export const cursorOf = (streamId: string) => encode('cur', streamId);
export const streamIdOfCursor = (cursor: string) => decode('cur', cursor);
/** The position before every event. */
export const FEED_START = '0-0';

/** Compares two stream ids ("ms-seq") numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}
