import { toView } from '../invites/invite.js';
import { parseDoc } from '../invites/store.js';
import { eventId, type HeraldEvent } from './catalog.js';
import type { StreamEntry } from './store.js';

const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

/**
 * An event as the feed and webhooks show it. The invite is the one stored by the change, shown
 * as GET shows it at that moment, but never with its code or URL (they would let a reader of the
 * event accept the invite). The same entry always renders to the same JSON, so a retried
 * webhook carries the same body.
 */
export function renderEvent(e: StreamEntry, publicUrl: string): HeraldEvent {
  const data: Record<string, unknown> = {};
  if (e.inv) {
    const {
      code: _code,
      url: _url,
      ...invite
    } = toView(parseDoc(e.inv, e.inviteId ?? undefined), '', publicUrl, e.at);
    data.invite = invite;
  }
  const { batch, ...rest } = e.extra as { batch?: Record<string, unknown> };
  if (batch) data.batch = { ...batch, createdAt: iso(batch.createdAt), finishedAt: iso(batch.finishedAt) };
  Object.assign(data, rest);
  return { id: eventId(e.streamId), type: e.type, timestamp: new Date(e.at).toISOString(), data };
}
