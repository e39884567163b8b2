import { codeDigest, deriveCode, newId, newSalt } from './codes.js';
import type { BulkInput, Recipient } from './inputs.js';
import { defaults, FIELDS } from './schema.js';
import { randomTail } from './partitions.js';
import { checkReminders, resolveSendAt } from './schedule.js';
import type { InviteDoc } from './invite.js';
import { checkRedirect, refusal, resolveExpiry } from './rules.js';
import type { Store } from './store.js';

export interface DraftSettings {
  secret: string;
  inviteTtl: number;
  redirectAllowlist: string[];
  /** Default reminder delays (REMINDERS) for invites that do not set `reminders`. */
  reminders: number[];
}

type Shared = Omit<BulkInput, 'emails'>;
/** The fields every invite of one request shares, resolved (stored with a bulk batch). */
export type Resolved = Pick<
  InviteDoc,
  | 'role'
  | 'scope'
  | 'inviter'
  | 'maxUses'
  | 'temporary'
  | 'restrictDomains'
  | 'metadata'
  | 'locale'
  | 'redirectUrl'
  | 'expiresAt'
  | 'tenant'
> & {
  reminders: number[];
  sendAt: number | null;
  /** New invites wait for approval (DESIGN §17): the policy said so when the request came. */
  approval?: boolean;
};
export type Draft = InviteDoc & { digest: string };
export type Drafts = ReturnType<typeof createDrafts>;

/** Builds new invite documents and stores them through the create script. */
export function createDrafts(store: Store, cfg: DraftSettings) {
  const parts = store.partitioning;
  /** A new salt for invite `id`, and its code's lookup digest. */
  function newCode(id: string): { salt: string; digest: string } {
    const salt = newSalt();
    return { salt, digest: codeDigest(cfg.secret, deriveCode(cfg.secret, id, salt, parts)) };
  }
  return {
    newCode,
    /** Shared fields resolved once (expiry to an absolute time), so chunks built later agree. */
    resolveShared(input: Shared, now: number): Resolved {
      const expiresAt = resolveExpiry(input, now, cfg.inviteTtl) ?? null;
      return {
        role: input.role ?? null,
        scope: input.scope ?? null,
        inviter: { id: input.inviter?.id ?? null, name: input.inviter?.name ?? null },
        maxUses: input.maxUses ?? 1,
        temporary: input.temporary ?? false,
        restrictDomains: input.restrictDomains ?? false,
        tenant: 'default',
        metadata: JSON.stringify(input.metadata ?? {}),
        locale: input.locale ?? 'en',
        redirectUrl: checkRedirect(input.redirectUrl, cfg.redirectAllowlist) ?? null,
        expiresAt,
        reminders: checkReminders(input.reminders ?? cfg.reminders),
        sendAt: resolveSendAt(input.sendAt, now, expiresAt),
      };
    },

    draft(
      shared: Resolved,
      email: string | null,
      now: number,
      batchId: string | null,
      queued: boolean,
      person: Omit<Recipient, 'email'> = {},
      /** For open invites: the partition (one request's open invites share one). */
      partition?: number,
    ): Draft {
      const emailKey = email?.toLowerCase() ?? null;
      const where = emailKey === null && partition !== undefined ? partition : parts.ofEmail(emailKey);
      const id = newId('inv', now, randomTail(where, parts.count));
      const { salt, digest } = newCode(id);
      const { sendAt, approval, ...fields } = shared;
      // A waiting invite queues nothing; approving it sends what the create asked for.
      const sendOnApproval = approval === true && queued;
      if (approval) queued = false;
      const scheduled = queued && sendAt !== null;
      let firstStatus: InviteDoc['delivery']['status'] = 'none';
      if (queued) firstStatus = scheduled ? 'scheduled' : 'queued';
      // Every declared default first (schema.ts): a field added there needs nothing here.
      return Object.assign(defaults(), {
        id,
        salt,
        digest,
        status: approval ? ('pending_approval' as const) : ('pending' as const),
        sendOnApproval,
        email,
        emailKey,
        ...fields,
        name: person.name ?? null,
        role: person.role === undefined ? fields.role : person.role,
        locale: person.locale ?? fields.locale,
        metadata: person.metadata === undefined ? fields.metadata : JSON.stringify(person.metadata),
        batchId,
        delivery: {
          ...FIELDS.delivery.nested.defaults,
          status: firstStatus,
          queuedSeq: queued ? 1 : 0,
          lastQueuedAt: queued ? now : null,
          scheduledFor: scheduled || sendOnApproval ? sendAt : null,
        },
        createdAt: now,
        updatedAt: now,
      });
    },

    /**
     * Stores the drafts, drawing new salts in the (72-bit) event of a code clash. Results are
     * 'ok:ID' or 'dup:EXISTING_ID', one per draft (for a bulk chunk already stored by an earlier
     * run, that run's 'ok:ID's).
     */
    async store(
      build: () => Draft[],
      now: number,
      chunk?: { batchId: string; n: number },
    ): Promise<{ results: string[]; drafts: Draft[] }> {
      for (let attempt = 0; attempt < 3; attempt++) {
        const drafts = build();
        const results = await store.create({ now, docs: drafts, chunk });
        if (results) return { results, drafts };
      }
      throw refusal('code_collision');
    },
  };
}
