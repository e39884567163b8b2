import { codeDigest, deriveCode, newId, newSalt } from './codes.js';
import type { BulkInput } from './inputs.js';
import type { InviteDoc } from './invite.js';
import { checkRedirect, refusal, resolveExpiry } from './rules.js';
import type { LuaReply, Store } from './store.js';

export interface DraftSettings {
  secret: string;
  inviteTtl: number;
  redirectAllowlist: string[];
}

type Shared = Omit<BulkInput, 'emails'>;
/** The fields every invite of one request shares, resolved (stored with a bulk batch). */
export type Resolved = Pick<InviteDoc, 'role' | 'scope' | 'inviter' | 'maxUses' | 'temporary' | 'metadata' | 'locale' | 'redirectUrl' | 'expiresAt'>;
export type Draft = InviteDoc & { digest: string };
export type Drafts = ReturnType<typeof createDrafts>;

/** Builds new invite documents and stores them through the create script. */
export function createDrafts(store: Store, cfg: DraftSettings) {
  return {
    /** Shared fields resolved once (expiry to an absolute time), so chunks built later agree. */
    resolveShared(input: Shared, now: number): Resolved {
      return {
        role: input.role ?? null,
        scope: input.scope ?? null,
        inviter: { id: input.inviter?.id ?? null, name: input.inviter?.name ?? null },
        maxUses: input.maxUses ?? 1,
        temporary: input.temporary ?? false,
        metadata: JSON.stringify(input.metadata ?? {}),
        locale: input.locale ?? 'en',
        redirectUrl: checkRedirect(input.redirectUrl, cfg.redirectAllowlist) ?? null,
        expiresAt: resolveExpiry(input, now, cfg.inviteTtl) ?? null,
      };
    },

    draft(shared: Resolved, email: string | null, now: number, batchId: string | null, queued: boolean): Draft {
      const id = newId('inv', now);
      const salt = newSalt();
      return {
        id, salt, digest: codeDigest(cfg.secret, deriveCode(cfg.secret, id, salt)),
        status: 'pending', email, emailKey: email?.toLowerCase() ?? null, ...shared, batchId, uses: 0, acceptedBy: [],
        delivery: {
          status: queued ? 'queued' : 'none', attempts: 0, sends: 0, lastSentAt: null, lastError: null,
          messageId: null, sentSeq: 0, queuedSeq: queued ? 1 : 0, lastQueuedAt: queued ? now : null,
        },
        createdAt: now, updatedAt: now, acceptedAt: null, canceledAt: null,
      };
    },

    /**
     * Runs the create script, drawing new salts in the (72-bit) event of a code clash. `chunk` is
     * [chunk key, result key, batch id] for a bulk chunk. Results are 'ok:ID' or 'dup:EXISTING_ID',
     * one per draft (for a chunk already stored by an earlier run, that run's 'ok:ID's).
     */
    async store(build: () => Draft[], now: number, chunk = ['', '', '']): Promise<{ results: string[]; drafts: Draft[] }> {
      for (let attempt = 0; attempt < 3; attempt++) {
        const drafts = build();
        const reply: LuaReply = await store.run('create', now, JSON.stringify(drafts), ...chunk);
        if (reply[0] !== 'collision') return { results: reply[1] as string[], drafts };
      }
      throw refusal('code_collision');
    },
  };
}
