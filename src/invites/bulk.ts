import type { Clock } from '../clock.js';
import { HeraldError, invalid, notFound } from '../errors.js';
import { newId } from './codes.js';
import { createDrafts, type DraftSettings, type Resolved } from './drafts.js';
import { email as emailSchema, type BulkInput, type Recipient } from './inputs.js';
import { noPolicy, type JobPort, type PolicyPort } from './ports.js';
import { REFUSAL_MESSAGES, type Refusal } from '../policy/policy.js';
import type { Store } from './store.js';

export const CHUNK_SIZE = 500;

export type Bulk = ReturnType<typeof createBulk>;

/** Bulk sends: intake (validate, fold, chunk, enqueue), the `create` job's chunk, batch progress. */
export function createBulk(
  store: Store,
  jobs: JobPort,
  clock: Clock,
  cfg: DraftSettings & { bulkMax: number },
  policy: PolicyPort = noPolicy,
  /** Approves or rejects one waiting invite (the service's), for chunks of a batch decided early. */
  decideChunk?: (inviteId: string, decision: 'approve' | 'reject') => Promise<unknown>,
) {
  const drafts = createDrafts(store, cfg);
  const bulkMax = cfg.bulkMax;
  return {
    async intake(
      input: BulkInput,
      o: { forceApproval?: boolean; tenant?: string } = {},
    ): Promise<{ batchId: string; total: number }> {
      const tenant = o.tenant ?? 'default';
      const raw: Recipient[] = (
        typeof input.emails === 'string' ? input.emails.split(/[\s,;]+/).filter(Boolean) : input.emails
      ).map((e) => (typeof e === 'string' ? { email: e } : e));
      if (raw.length === 0) throw invalid('emails', 'must hold at least one address');
      if (raw.length > bulkMax) throw invalid('emails', `must hold at most ${bulkMax} addresses`);
      const bad = raw.flatMap((e, i) =>
        emailSchema.safeParse(e.email).success
          ? []
          : [
              {
                field: `emails[${i}]`,
                value: e.email.slice(0, 300),
                message: 'must be a valid e-mail address',
              },
            ],
      );
      if (bad.length)
        throw new HeraldError(
          'invalid_emails',
          400,
          `${bad.length} address(es) are not valid e-mail addresses.`,
          bad,
        );
      const verdicts = await policy.check(
        raw.map((e) => e.email),
        tenant,
      );
      const refused = raw.flatMap((e, i) => {
        const code = verdicts[i];
        if (!code) return [];
        const message = REFUSAL_MESSAGES[code as Refusal] ?? 'refused by the policy';
        return [{ field: `emails[${i}]`, value: e.email.slice(0, 300), code, message }];
      });
      if (refused.length)
        throw new HeraldError(
          'invalid_emails',
          400,
          `${refused.length} address(es) are refused by the invite policy.`,
          refused,
        );
      const seen = new Set<string>();
      const people = raw.filter((e) => !seen.has(e.email.toLowerCase()) && !!seen.add(e.email.toLowerCase()));
      // A chunk holds plain addresses, or JSON for a recipient with values of its own.
      const emails = people.map((p) => (Object.keys(p).length === 1 ? p.email : JSON.stringify(p)));
      const now = clock.now();
      // Whether the batch waits for approval is the policy's word when the request came.
      const approval = o.forceApproval === true || (await policy.requiresApproval(tenant));
      const shared = { ...drafts.resolveShared(input, now), tenant, approval };
      const batchId = newId('bat', now);
      const chunks: string[][] = [];
      for (let i = 0; i < emails.length; i += CHUNK_SIZE) chunks.push(emails.slice(i, i + CHUNK_SIZE));
      await store.createBatch(
        {
          id: batchId,
          status: 'queued',
          total: emails.length,
          chunks: chunks.length,
          createdAt: now,
          fields: JSON.stringify(shared),
        },
        chunks,
      );
      // No chunk job, no batch: a refused request leaves nothing behind (DESIGN §5).
      await jobs.createChunks(batchId, chunks.length).catch(async (err) => {
        await store.dropBatch(batchId, chunks.length).catch(() => {});
        throw err;
      });
      return { batchId, total: emails.length };
    },

    /** The `create` job: stores one chunk's invites (once, however often it runs) and queues their sends. */
    async processChunk(batchId: string, n: number): Promise<{ created: number; duplicates: number }> {
      const batch = await store.getBatch(batchId);
      if (!batch) return { created: 0, duplicates: 0 };
      const shared = JSON.parse(batch.fields) as Resolved;
      const emails = await store.chunkEmails(batchId, n);
      const now = clock.now();
      const people = emails.map((e): Recipient => (e.startsWith('{') ? JSON.parse(e) : { email: e }));
      // Each partition stores its share once; a run after the chunk was marked stored (a retry
      // after a crash) only queues the sends again, which the job ids fold.
      let results: string[];
      if (people.length > 0) {
        ({ results } = await drafts.store(
          () => people.map(({ email, ...own }) => drafts.draft(shared, email, now, batchId, true, own)),
          now,
          { batchId, n },
        ));
        await store.chunkDone(batchId, n, now);
      } else results = await store.chunkResults(batchId, n);
      const ids = results.filter((r) => r.startsWith('ok:')).map((r) => r.slice(3));
      const delayMs = shared.sendAt === null ? undefined : Math.max(0, shared.sendAt - now);
      // Waiting invites are sent when approved (service.decide), or now if the whole batch was.
      // The decision is read after the chunk is stored: one recorded before this read is seen
      // here; one recorded after it finds these invites among the batch's (bulk.decideBatch).
      const decision = shared.approval ? (await store.getBatch(batchId))?.decision : null;
      if (decision && decideChunk) for (const inviteId of ids) await decideChunk(inviteId, decision);
      if (!shared.approval) await jobs.send(ids.map((inviteId) => ({ inviteId, seq: 1, batchId, delayMs })));
      // A chunk of duplicates only, or sends that all ended before this chunk was stored.
      await store.finishBatch(batchId, clock.now());
      return { created: ids.length, duplicates: results.length - ids.length };
    },

    /** The scope and tenant a batch's invites share; 404 for an unknown batch. */
    async batchOwner(id: string): Promise<{ scope: { type: string; id: string } | null; tenant: string }> {
      const b = await store.getBatch(id);
      if (!b) throw notFound('batch');
      const shared = JSON.parse(b.fields) as Resolved;
      return { scope: shared.scope, tenant: shared.tenant ?? 'default' };
    },

    /** Approves or rejects every invite of a batch still waiting; answers how many. */
    async decideBatch(
      id: string,
      decide: (inviteId: string) => Promise<unknown>,
      decision?: 'approve' | 'reject',
    ): Promise<number> {
      if (!(await store.getBatch(id))) throw notFound('batch');
      // Recorded first: a chunk stored from now on follows it (processChunk); one stored before
      // is among the invites below.
      if (decision) await store.decideBatch(id, decision);
      const ids = await store.setMembers('batch', id, Number.MAX_SAFE_INTEGER);
      const waiting = (await store.getMany(ids)).filter((d) => d?.status === 'pending_approval');
      for (const d of waiting) await decide(d!.id);
      return waiting.length;
    },

    async batch(id: string) {
      const b = await store.getBatch(id);
      if (!b) throw notFound('batch');
      const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);
      return {
        id: b.id,
        status: b.status as 'queued' | 'running' | 'done',
        total: b.total,
        created: b.created,
        duplicates: b.duplicates,
        sent: b.sent,
        failed: b.failed,
        suppressed: b.suppressed,
        createdAt: iso(b.createdAt)!,
        finishedAt: iso(b.finishedAt),
      };
    },
  };
}
