import type { Clock } from '../clock.js';
import { HeraldError, invalid, notFound } from '../errors.js';
import { codeDigest, deriveCode, looksLikeCode, looksLikeId } from './codes.js';
import { createDrafts } from './drafts.js';
import type { AcceptInput, CreateInput, PatchInput, ResendInput } from './inputs.js';
import { toView, type Invite, type InviteDoc } from './invite.js';
import { checkRedirect, refusal, resolveExpiry } from './rules.js';
import { noPolicy, type JobPort, type PolicyPort } from './ports.js';
import { policyRefusal } from './rules.js';
import type { Change, Store } from './store.js';

export interface ServiceSettings {
  secret: string;
  publicUrl: string;
  inviteTtl: number;
  /** Seconds a final invite is kept (INVITE_RETENTION); 0 keeps it forever. */
  inviteRetention: number;
  /** Seconds an invite may wait for approval before the sweep rejects it (APPROVAL_TTL). */
  approvalTtl: number;
  redirectAllowlist: string[];
  resendCooldown: number;
  /** Default reminder delays in seconds (REMINDERS). */
  reminders: number[];
}

export type Service = ReturnType<typeof createService>;

/** The invite use cases, free of HTTP and BullMQ. */
export function createService(
  store: Store,
  jobs: JobPort,
  clock: Clock,
  cfg: ServiceSettings,
  policy: PolicyPort = noPolicy,
) {
  const drafts = createDrafts(store, cfg);
  const code = (doc: InviteDoc) => deriveCode(cfg.secret, doc.id, doc.salt, store.partitioning);
  const view = (doc: InviteDoc): Invite => toView(doc, code(doc), cfg.publicUrl, clock.now());

  function ok(c: Change): string {
    if (!c.ok) throw refusal(c.code, c.detail);
    return c.outcome;
  }

  /** The invite as a script left it (scripts hand back what they stored). */
  function changed(c: Change): Invite {
    ok(c);
    return view((c as { doc: InviteDoc }).doc);
  }

  /** The invite an id or code names, in one round trip. */
  async function resolve(idOrCode: string): Promise<InviteDoc> {
    let doc: InviteDoc | null = null;
    if (looksLikeId(idOrCode)) doc = await store.get(idOrCode);
    else if (looksLikeCode(idOrCode)) doc = await store.getByCode(idOrCode, codeDigest(cfg.secret, idOrCode));
    if (!doc) throw notFound();
    return doc;
  }

  /**
   * The id an id or code names, without reading the invite: the scripts read it anyway, and
   * answer invite_not_found themselves.
   */
  async function idOf(idOrCode: string): Promise<string> {
    if (looksLikeId(idOrCode)) return idOrCode;
    const id = looksLikeCode(idOrCode)
      ? await store.idByCode(idOrCode, codeDigest(cfg.secret, idOrCode))
      : null;
    if (!id) throw notFound();
    return id;
  }

  return {
    view,
    /** The link in the e-mail, without building the whole view. */
    link: (doc: InviteDoc) => `${cfg.publicUrl}/i/${code(doc)}`,

    /** `forceApproval`: the caller may only propose (a key with invites:propose alone, DESIGN §17). */
    async create(
      input: CreateInput,
      o: { forceApproval?: boolean; tenant?: string } = {},
    ): Promise<Invite | { data: Invite[] }> {
      const tenant = o.tenant ?? 'default';
      const now = clock.now();
      const approval = o.forceApproval === true || (await policy.requiresApproval(tenant));
      const shared = { ...drafts.resolveShared(input, now), tenant, approval };
      if (input.count !== undefined) {
        if (input.email) throw invalid('count', 'count makes open invites; leave out email');
        if (input.send) throw invalid('send', 'open invites have no address to send to');
        const made = await drafts.store(() => {
          const where = store.partitioning.ofEmail(null);
          return Array.from({ length: input.count! }, () =>
            drafts.draft(shared, null, now, null, false, {}, where),
          );
        }, now);
        return { data: made.drafts.map(view) };
      }
      const email = input.email ?? null;
      const send = input.send ?? email !== null;
      if (send && !email) throw invalid('send', 'an invite without email cannot be sent');
      if (email) {
        const [why] = await policy.check([email], tenant);
        if (why) throw policyRefusal(why);
      }
      const person = { name: input.name ?? null };
      const made = await drafts.store(() => [drafts.draft(shared, email, now, null, send, person)], now);
      const [result] = made.results;
      if (result.startsWith('dup:')) {
        const existingId = result.slice(4);
        throw new HeraldError(
          'invite_exists',
          409,
          `A pending invite for this address and scope exists: ${existingId}.`,
          [{ field: 'email', id: existingId, existingId }],
        );
      }
      const [draft] = made.drafts;
      const delayMs = shared.sendAt === null ? undefined : Math.max(0, shared.sendAt - now);
      // The invite is stored with its send recorded as queued: a queue that cannot take the job
      // now (Redis full or failing over) leaves it to the repair sweep, which queues it with the
      // same job id after DELIVERY_REPAIR_AFTER. Answering 503 here would leave a stored invite
      // the client believes refused, and its retry would meet a 409.
      if (send && !shared.approval)
        await jobs.send([{ inviteId: draft.id, seq: 1, batchId: null, delayMs }]).catch(() => {});
      return view(draft);
    },

    async get(idOrCode: string): Promise<Invite> {
      return view(await resolve(idOrCode));
    },

    async patch(idOrCode: string, input: PatchInput, reason = ''): Promise<Invite> {
      const id = await idOf(idOrCode);
      const patch: Record<string, unknown> = {};
      if (input.role !== undefined) patch.role = input.role;
      const exp = resolveExpiry(input, clock.now());
      if (exp !== undefined) patch.expiresAt = exp;
      if (input.maxUses !== undefined) patch.maxUses = input.maxUses;
      if (input.metadata !== undefined) patch.metadata = JSON.stringify(input.metadata);
      if (input.redirectUrl !== undefined)
        patch.redirectUrl = checkRedirect(input.redirectUrl, cfg.redirectAllowlist);
      if (Object.keys(patch).length === 0)
        throw invalid('body', 'name at least one field to change', 'empty_patch');
      return changed(await store.patch({ now: clock.now(), id, fields: patch, reason }));
    },

    async resend(idOrCode: string, input: ResendInput, reason = ''): Promise<Invite> {
      const id = await idOf(idOrCode);
      const now = clock.now();
      // maxAge 0 means never expire; leaving it out keeps the expiry.
      let expiresAt: number | null | undefined;
      if (input?.maxAge !== undefined) expiresAt = input.maxAge === 0 ? null : now + input.maxAge * 1000;
      const rotate = input?.rotateCode ? drafts.newCode(id) : undefined;
      const reply = await store.resend({
        now,
        id,
        cooldownMs: cfg.resendCooldown * 1000,
        rotate,
        expiresAt,
        reason,
      });
      const invite = changed(reply);
      await jobs.send([{ inviteId: id, seq: Number(ok(reply)), batchId: null }], 'resend');
      return invite;
    },

    async cancel(idOrCode: string, reason = ''): Promise<Invite> {
      return changed(await store.cancel({ now: clock.now(), id: await idOf(idOrCode), reason }));
    },

    async remove(idOrCode: string, reason = ''): Promise<void> {
      ok(await store.delete({ now: clock.now(), id: await idOf(idOrCode), reason }));
    },

    /** `tenant`: the invite's (the caller's, whose access was checked), for its policy. */
    async accept(idOrCode: string, input: AcceptInput, reason = '', tenant = 'default'): Promise<Invite> {
      const id = await idOf(idOrCode);
      const emailAllowed = input.email ? (await policy.check([input.email], tenant))[0] === null : false;
      return changed(
        await store.accept({
          now: clock.now(),
          id,
          userId: input.userId,
          email: input.email,
          reason,
          emailAllowed,
        }),
      );
    },

    /** The landing page's button: one use, as the invited address or an anonymous guest. */
    async acceptAnonymous(doc: InviteDoc, given?: string): Promise<'accepted' | 'already'> {
      const email = doc.email ?? given;
      const emailAllowed = email ? (await policy.check([email], doc.tenant))[0] === null : false;
      const c = await store.accept({ now: clock.now(), id: doc.id, email, emailAllowed });
      return ok(c) as 'accepted' | 'already';
    },

    async decline(idOrCode: string, reason = ''): Promise<Invite> {
      return changed(await store.decline({ now: clock.now(), id: await idOf(idOrCode), reason }));
    },

    /**
     * Removes every invite and unsubscribe a deleted tenant made until `before`, 500 at a time (the
     * purge-tenant job). A tenant made again with the same id keeps what it makes meanwhile.
     */
    async purgeTenant(tenant: string, before: number): Promise<{ removed: number }> {
      let removed = 0;
      for (;;) {
        const ids = await store.setMembers('tenant', tenant, 500);
        const docs = await store.getMany(ids);
        let round = 0;
        for (const [i, id] of ids.entries())
          if (docs[i] && docs[i].createdAt <= before)
            round += (await store.erase({ now: clock.now(), id, tenants: [tenant] })).removed;
        removed += round;
        // Nothing left of before, or only index entries whose invite is gone: done either way.
        if (round === 0) {
          await store.purgeSuppressions(tenant, before, clock.now());
          return { removed };
        }
      }
    },

    /** Approves (its first send then goes out) or rejects one invite waiting for approval. */
    async decide(idOrCode: string, decision: 'approve' | 'reject', reason = ''): Promise<Invite> {
      const id = await idOf(idOrCode);
      const { change, send } = await store.approval({ now: clock.now(), id, decision, reason });
      const invite = changed(change);
      if (send) {
        const doc = (change as { doc: InviteDoc }).doc;
        const at = doc.delivery.scheduledFor;
        const delayMs = at ? Math.max(0, at - clock.now()) : undefined;
        // Recorded as queued: a queue that cannot take it now leaves it to the repair sweep.
        await jobs.send([{ inviteId: id, seq: 1, batchId: doc.batchId, delayMs }]).catch(() => {});
      }
      return invite;
    },

    /** The landing page's Decline button. */
    async declineByDoc(doc: InviteDoc): Promise<'declined'> {
      ok(await store.decline({ now: clock.now(), id: doc.id }));
      return 'declined';
    },

    /**
     * The tenant and scope of a deleted invite whose trail is still kept (its "deleted" line
     * records them); null when there is no trail.
     */
    async trailOwner(id: string): Promise<{ tenant: string; scope: Invite['scope'] } | null> {
      const events = await store.events(id).catch(() => null);
      if (!events) return null;
      const owner = [...events].reverse().find((e) => e.type === 'deleted')?.owner as
        { t: string; s: Invite['scope'] } | undefined;
      return { tenant: owner?.t ?? 'default', scope: owner?.s ?? null };
    },

    /** Records the first view of the landing page (once; later calls change nothing). */
    async opened(id: string): Promise<void> {
      await store.opened({ now: clock.now(), id });
    },

    async events(idOrCode: string) {
      const events = await store.events(await idOf(idOrCode));
      if (!events) throw notFound();
      return events.map(({ at, owner: _owner, ...rest }) => ({
        ...rest,
        type: String(rest.type),
        at: new Date(at as number).toISOString(),
      }));
    },

    /**
     * One sweep: flips every due invite, then removes the final invites past INVITE_RETENTION,
     * partition by partition, in calls of `batch` so no script runs long.
     */
    async sweep(batch = 500): Promise<{ flipped: number; rejected: number; removed: number; calls: number }> {
      let calls = 0;
      // Calls a step of the sweep `batch` at a time until a call sees fewer; returns the sum.
      const drain = async (step: (now: number) => Promise<{ n: number; seen: number }>) => {
        let total = 0;
        for (;;) {
          const { n, seen } = await step(clock.now());
          total += n;
          calls += 1;
          if (seen < batch) return total;
        }
      };
      let [flipped, rejected, removed] = [0, 0, 0];
      for (let partition = 0; partition < store.partitioning.count; partition++) {
        flipped += await drain(async (now) => {
          const r = await store.sweep({ now, limit: batch, partition });
          return { n: r.flipped, seen: r.seen };
        });
        rejected += await drain(async (now) => {
          const r = await store.rejectWaiting({
            now,
            cutoff: now - cfg.approvalTtl * 1000,
            limit: batch,
            partition,
          });
          return { n: r.rejected, seen: r.seen };
        });
        if (cfg.inviteRetention === 0) continue;
        removed += await drain(async (now) => {
          const r = await store.retire({
            now,
            cutoff: now - cfg.inviteRetention * 1000,
            limit: batch,
            partition,
          });
          return { n: r.removed, seen: r.seen };
        });
      }
      return { flipped, rejected, removed, calls };
    },
  };
}
