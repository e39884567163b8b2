import type { Clock } from '../clock.js';
import { isDelay, isPermanent, readDsn } from '../mail/dsn.js';
import type { Verp } from '../mail/verp.js';
import type { Store } from '../invites/store.js';

export type Bounces = ReturnType<typeof createBounces>;

/**
 * Applies bounce reports (DESIGN §11): the VERP token (from the envelope recipient, or found in
 * the report itself when a relay forwards it over HTTP) names the invite and send; a permanent
 * failure suppresses the address and marks the delivery bounced, a delay is written to the
 * audit trail. A report naming no valid token, or with no delivery-status part, changes nothing.
 */
export function createBounces(store: Store, verp: Verp, clock: Clock) {
  return {
    async handle(
      raw: string | Buffer,
      envelopeTo: string[] = [],
      /** A tenant key's report may only name that tenant's invites; null: any (SMTP, operators). */
      tenant: string | null = null,
    ): Promise<{ matched: boolean; outcomes: string[] }> {
      const named =
        envelopeTo.map((a) => verp.parse(a)).find(Boolean) ??
        verp.find(typeof raw === 'string' ? raw : raw.toString('latin1'));
      if (!named) return { matched: false, outcomes: [] };
      const outcomes: string[] = [];
      for (const r of await readDsn(raw)) {
        if (!isPermanent(r) && !isDelay(r)) continue;
        const outcome = await store.bounce({
          now: clock.now(),
          id: named.inviteId,
          seq: named.seq,
          permanent: isPermanent(r),
          status: r.status,
          detail: (r.diagnostic ?? `${r.action} ${r.status}`).slice(0, 500),
          tenant,
        });
        outcomes.push(outcome);
      }
      return { matched: true, outcomes };
    },
  };
}
