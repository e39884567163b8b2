import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { EventStore } from '../events/store.js';
import { newId } from '../invites/codes.js';
import type { Store } from '../invites/store.js';
import { scrubAddress } from './scrub.js';

/** What POST /v1/erasures answers: the counts of what was removed. */
export interface Erasure {
  id: string;
  emailDigest: string;
  invites: number;
  events: number;
  deliveries: number;
}

export type Erasures = ReturnType<typeof createErasures>;

/**
 * Erasure of one address (DESIGN §18): its invites go (found through its e-mail index, then by a
 * look through every key), every other record naming it is removed or has it replaced, and a
 * suppression of it stays as a digest only, so it is still not mailed. One `subject.erased`
 * event (with the digest, never the address) the first time; running it again is harmless and
 * answers the same id.
 */
export function createErasures(d: {
  redis: Redis;
  name: string;
  store: Store;
  events: EventStore;
  clock: Clock;
}) {
  return {
    async erase(email: string): Promise<Erasure> {
      const emailKey = email.trim().toLowerCase();
      // The same digest lua/lib/suppressions.lua's erased_field keeps a suppression under.
      const emailDigest = createHash('sha1').update(emailKey).digest('hex');
      const now = d.clock.now();
      let invites = 0;
      for (let more = true; more;) {
        const r = await d.store.erase({ now, emailKey });
        invites += r.removed;
        more = r.more;
      }
      const found = await scrubAddress(d.redis, d.name, emailKey, {
        feedEventId: d.events.feedEventId,
        removeInvite: async (id) => void (await d.store.erase({ now, id })),
      });
      const { id, created } = await d.store.recordErasure(emailDigest, newId('ers', now));
      const erasure = {
        id,
        emailDigest,
        invites: invites + found.invites,
        events: found.events,
        deliveries: found.deliveries,
      };
      if (created) await d.events.publish('subject.erased', now, erasure);
      return erasure;
    },
  };
}
