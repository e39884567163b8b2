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
    /**
     * Erases an address from one tenant (`tenants` = [it]) or from every tenant (`all` true, with
     * every tenant id): other tenants' invites, events and suppressions stay.
     */
    async erase(email: string, tenants: string[], all = false): Promise<Erasure> {
      const emailKey = email.trim().toLowerCase();
      const emailDigest = createHash('sha1').update(emailKey).digest('hex');
      const now = d.clock.now();
      let invites = 0;
      for (let more = true; more;) {
        const r = await d.store.erase({ now, emailKey, tenants });
        invites += r.removed;
        more = r.more;
      }
      const found = await scrubAddress(d.redis, d.name, emailKey, {
        feedEventId: d.events.feedEventId,
        removeInvite: async (id) => (await d.store.erase({ now, id, tenants })).removed,
        tenants: all ? null : new Set(tenants),
      });
      // One record per address and reach: the same request again answers the same id.
      const reach = all ? '*' : tenants[0];
      const { id, created } = await d.store.recordErasure(
        reach === 'default' ? emailDigest : `${reach}|${emailDigest}`,
        newId('ers', now),
      );
      const erasure = {
        id,
        emailDigest,
        invites: invites + found.invites,
        events: found.events,
        deliveries: found.deliveries,
      };
      const tenant = all ? 'default' : tenants[0];
      if (created)
        await d.events.publish(
          'subject.erased',
          now,
          tenant === 'default' ? erasure : { ...erasure, tenant },
        );
      return erasure;
    },
  };
}
