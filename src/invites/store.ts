import type { Redis } from 'ioredis';
import { erasedSuppressionField, partitionKeys, partitionPrefixes } from '../keys.js';
import { REASONS } from '../suppressions/store.js';
import type { InviteDoc } from './invite.js';
import { parseDoc } from './layout.js';
import { libraryCaller } from './lua-library.js';
import { library } from './lua-source.js';
import { createBatchStore } from './batch-store.js';
import { byPartition, partitioning } from './partitions.js';
import { createStoreReads } from './store-reads.js';
import { createServiceRecords } from './service-records.js';

export { parseDoc };
export type { BatchRecord } from './batch-store.js';

/*
 * The invites in Redis (key names from src/keys.ts, which the Lua builds alike from KEYS[1];
 * what each key holds is listed below). Every state change is one Lua script
 * (src/invites/lua) with one typed method below, so concurrent API calls, workers and sweeps can
 * never interleave half a change, and no caller knows a script's arguments or reply shape.
 * P is one partition's hash-tagged prefix (src/keys.ts; `{herald}` when there is one, else
 * `{herald:0}` …): every key a script touches shares its slot. An invite, its indexes, events and
 * code look-up live in its partition (partitions.ts says which); lists, counters and the event
 * feed are read from every partition and merged. D is the data prefix (`{herald}`), which holds
 * the records that are not per invite (batches, idempotency, locks, workers).
 *
 *   P:inv:ID          status letter + invite JSON, then a newline and its audit trail (lines)
 *   P:o:final         final invites by when they became final (the retention sweep's queue)
 *   P:ev:ID           a deleted invite's audit trail (30 days), or a long trail's older lines
 *   P:codes:XX        id by code digest, for digests starting XX (hash)
 *   P:o:created|updated   sort indexes   P:o:due  pending invites with an expiry, by it (the
 *                     sweep's queue)   P:o:expires  every other invite by expiry (lists walk both)
 *   P:o:email|role|inviter|user|batch|stype|sid   filter indexes (LAYOUT.indexed) — each an
 *                     ordered index (lua/lib/ordered.lua): buckets P:o:NAME:b:… and a directory P:o:NAME:d
 *   P:batch:ID        counters of a batch's invites stored in P (hash) and :ended (their first
 *                     sends that ended)   P:batch:ID:done:N   chunk N's results in P (a day, or
 *                     until the batch ends)
 *   D:batch:ID        the batch record   D:batch:ID:chunk:N   chunk N's addresses until stored
 *   D:idem:…          idempotency records   P:stats        counters for /metrics
 *   P:z:queued        invites with a send recorded as queued, by when (repair of lost jobs)
 *   D:z:batches       batch ids by creation   D:lastSweep   when the last sweep ran
 *   P:st:HOUR         funnel counters per hour (metric|dimension → n)
 *   P:sup             suppression lists ([TENANT|]address → entry)   P:z:sup[:t:TENANT][:REASON]  time order
 */
export const SCRIPTS = [
  'create',
  'accept',
  'cancel',
  'delete',
  'patch',
  'resend',
  'delivery',
  'sweep',
  'retire',
  'erase',
  'approve',
  'reject_waiting',
  'query',
  'unqueue',
  'suppression',
  'purge_suppressions',
  'bounce',
  'decline',
  'opened',
  'claim_reminder',
  'chunk_done',
  'finish_batch',
  'index_read',
] as const;
type Script = (typeof SCRIPTS)[number];

// Every script with the Lua modules they include, as one function library (lua-source.ts).
export const LIBRARY = library(SCRIPTS);

type LuaReply = [string, ...unknown[]];

/**
 * What a state-changing script answered (every one replies {'ok', outcome, invite JSON} or
 * {'err', code, detail}): the outcome and the invite as stored, or the refusal's code.
 */
export type Change =
  { ok: true; outcome: string; doc: InviteDoc | null } | { ok: false; code: string; detail?: string };

/** The reply of a change to invite `id`. */
const change =
  (id: string) =>
  (r: LuaReply): Change => {
    if (r[0] === 'err') return { ok: false, code: String(r[1]), detail: r[2] as string | undefined };
    // Read when asked: the landing page's accept wants the outcome only, and an open invite's
    // document may hold thousands of uses.
    const raw = typeof r[2] === 'string' ? r[2] : null;
    let doc: InviteDoc | null | undefined;
    return {
      ok: true,
      outcome: String(r[1]),
      get doc() {
        return (doc ??= raw === null ? null : parseDoc(raw, id));
      },
    };
  };

/** Who does a change, and when: every typed script method takes these. */
interface By {
  now: number;
  id: string;
  /** The X-Audit-Log-Reason given with the request, if any. */
  reason?: string;
}

export interface QuerySpec {
  sort: 'created' | 'updated' | 'expires';
  desc: boolean;
  lo: string;
  hi: string;
  limit: number;
  budget: number;
  cursor: { score: string; id: string } | null;
  ids: string[] | null;
  all: { kind: string; value: string }[];
  statuses: string[] | null;
  createdMin: number | null;
  createdMax: number | null;
  expiresMin: number | null;
  expiresMax: number | null;
}

export type Store = ReturnType<typeof createStore>;

/**
 * The invite store over one Redis connection (or cluster); `prefix` (the data prefix) keeps tests
 * and tenants apart, `count` partitions spread the invites (fixed for the life of the data).
 */
export function createStore(redis: Redis, prefix: string, count = 1) {
  const call = libraryCaller(redis, LIBRARY);
  const parts = partitionPrefixes(prefix, count);
  const where = partitioning(count);
  const at = (id: string) => parts[where.ofId(id)];
  const run = (s: Script, P: string, now: number, ...args: (string | number)[]) =>
    call<LuaReply>(s, P, now, ...args);
  const pk = partitionKeys;
  const batches = createBatchStore(redis, prefix, parts, run);
  const reads = createStoreReads(redis, parts, where, run);
  /**
   * A change that may have ended the last first send of a batch's share in one partition (see
   * lua/lib/batches.lua's ended_reply): then the whole batch may be done, which only a read of every partition
   * can tell. A crash before this runs is mended by the sweep (finishBatches).
   */
  const ended = async (r: LuaReply, a: { id: string; now: number }) => {
    if (r[0] === 'ok' && typeof r[3] === 'string' && r[3] !== '') await batches.finishBatch(r[3], a.now);
    return change(a.id)(r);
  };

  const store = {
    ...batches,
    ...reads,
    ...createServiceRecords(redis, prefix),
    prefix,
    partitioning: where,
    /**
     * Stores new invites, all or none within each partition: 'ok:ID' or 'dup:EXISTING_ID' per doc,
     * or null when a code clashed (draw new salts and call again). A bulk `chunk` is stored once
     * per partition however often this runs: a repeat gets the first run's 'ok:ID's back.
     */
    async create(a: { now: number; docs: { id: string }[]; chunk?: { batchId: string; n: number } }) {
      const c = a.chunk;
      const chunkArgs = c ? [c.batchId, String(c.n)] : ['', ''];
      const replies = await Promise.all(
        [...byPartition(where, a.docs, (d) => d.id)].map(([p, docs]) =>
          run('create', parts[p], a.now, JSON.stringify(docs), ...chunkArgs),
        ),
      );
      if (replies.some((r) => r[0] === 'collision')) return null;
      return replies.flatMap((r) => r[1] as string[]);
    },
    /** One use of an invite; the same user (or, anonymously, the invited address) counts once. */
    accept: (a: By & { userId?: string; email?: string; emailAllowed?: boolean }) =>
      run(
        'accept',
        at(a.id),
        a.now,
        a.id,
        a.userId ?? '',
        a.email ?? '',
        (a.email ?? '').toLowerCase(),
        a.reason ?? '',
        a.emailAllowed ? '1' : '0',
      ).then(change(a.id)),
    cancel: (a: By) => run('cancel', at(a.id), a.now, a.id, a.reason ?? '').then(change(a.id)),
    decline: (a: By) => run('decline', at(a.id), a.now, a.id, a.reason ?? '').then(change(a.id)),
    /** Removes the invite and its index entries; the audit trail stays 30 days. */
    delete: (a: By) => run('delete', at(a.id), a.now, a.id, a.reason ?? '').then((r) => ended(r, a)),
    /** Changes only the fields given (metadata as JSON text). */
    patch: (a: By & { fields: Record<string, unknown> }) =>
      run('patch', at(a.id), a.now, a.id, JSON.stringify(a.fields), a.reason ?? '').then(change(a.id)),
    /**
     * Records a resend (outcome: its send number). `rotate` replaces the code; `expiresAt` sets a
     * new expiry (null: never; undefined: keep).
     */
    resend: (
      a: By & { cooldownMs: number; rotate?: { salt: string; digest: string }; expiresAt?: number | null },
    ) => {
      const exp = a.expiresAt === undefined ? '' : String(a.expiresAt ?? 'null');
      const { salt, digest } = a.rotate ?? { salt: '', digest: '' };
      return run('resend', at(a.id), a.now, a.id, a.cooldownMs, salt, digest, exp, a.reason ?? '').then(
        change(a.id),
      );
    },
    /** The first view of the landing page (outcome opened, already or gone). */
    opened: (a: Omit<By, 'reason'>) => run('opened', at(a.id), a.now, a.id).then(change(a.id)),
    /**
     * Records what one send attempt did (outcome sent, retry, failed, suppressed or skipped);
     * `permanent` marks a failure as the recipient's refusal (SMTP 5xx), which suppresses it.
     */
    delivery: (a: {
      now: number;
      id: string;
      seq: number;
      outcome: 'sent' | 'retry' | 'failed' | 'suppressed' | 'skipped';
      info: string;
      batchId: string | null;
      kind: 'invite' | 'resend' | 'reminder';
      permanent?: boolean;
      /** The template a sent message was rendered from, KIND/LOCALE@VERSION (DESIGN §16). */
      templateVersion?: string | null;
    }) =>
      run(
        'delivery',
        at(a.id),
        a.now,
        a.id,
        a.seq,
        a.outcome,
        a.info,
        a.batchId ?? '',
        a.kind,
        a.permanent ? '1' : '0',
        a.templateVersion ?? '',
      ).then((r) => ended(r, a)),
    /** The send number of one reminder slot, the same on every retry; null when it must not go. */
    async claimReminder(a: { now: number; id: string; slot: number }): Promise<number | null> {
      const reply = await run('claim_reminder', at(a.id), a.now, a.id, a.slot);
      return reply[1] === 'seq' ? Number(reply[2]) : null;
    },
    /** Adds ('put', or 'add' only when absent) or removes one entry of a tenant's suppression list. */
    async suppression(a: {
      now: number;
      tenant: string;
      op: 'put' | 'add' | 'delete';
      email: string;
      key: string;
      reason: string;
      detail: string;
    }): Promise<{ ok: true; outcome: string; entry: string } | { ok: false; code: string }> {
      const r = await run(
        'suppression',
        parts[where.ofEmail(a.key)],
        a.now,
        a.op,
        a.email,
        a.key,
        a.reason,
        a.detail,
        a.tenant,
      );
      return r[0] === 'err'
        ? { ok: false, code: String(r[1]) }
        : { ok: true, outcome: String(r[1]), entry: String(r[2]) };
    },
    /** Records a bounce report for one send: permanent suppresses, a delay is only an event. */
    async bounce(a: {
      now: number;
      id: string;
      seq: number;
      permanent: boolean;
      status: string;
      detail: string;
      /** Only an invite of this tenant (a tenant key's report over HTTP); null: any. */
      tenant: string | null;
    }): Promise<string> {
      const r = await run(
        'bounce',
        at(a.id),
        a.now,
        a.id,
        a.seq,
        a.permanent ? '1' : '0',
        a.status,
        a.detail,
        a.tenant ?? '',
      );
      return String(r[1]);
    },
    /**
     * Flips up to `limit` due invites of one partition to expired; `seen` < limit means none are
     * left there.
     */
    async sweep(a: {
      now: number;
      limit: number;
      partition: number;
    }): Promise<{ flipped: number; seen: number }> {
      const [flipped, seen] = (await run('sweep', parts[a.partition], a.now, a.limit)) as unknown as [
        number,
        number,
      ];
      return { flipped, seen };
    },
    /**
     * Removes up to `limit` invites of one partition that became final at or before `cutoff`
     * (INVITE_RETENTION); `seen` < limit means none are left there.
     */
    async retire(a: {
      now: number;
      cutoff: number;
      limit: number;
      partition: number;
    }): Promise<{ removed: number; seen: number }> {
      const [removed, seen] = (await run(
        'retire',
        parts[a.partition],
        a.now,
        a.cutoff,
        a.limit,
      )) as unknown as [number, number];
      return { removed, seen };
    },
    /**
     * Erases a lowercase address from its partition for the given tenants (their invites, up to
     * `limit` a call, and their suppressions turned into digests), or one invite found naming it
     * elsewhere (`id`). Answers how many invites went and whether more may be left.
     */
    async erase(
      a: ({ emailKey: string } | { id: string }) & { now: number; tenants: string[] },
      limit = 500,
    ) {
      const [P, mode, value] =
        'id' in a ? [at(a.id), 'id', a.id] : [parts[where.ofEmail(a.emailKey)], 'email', a.emailKey];
      const tenants = a.tenants.join(' ');
      const [removed, more, ended] = (await run(
        'erase',
        P,
        a.now,
        mode,
        value,
        limit,
        tenants,
      )) as unknown as [number, number, string[]];
      for (const batchId of ended) await batches.finishBatch(batchId, a.now);
      return { removed, more: more === 1 };
    },
    /**
     * Approves or rejects one invite waiting for approval (DESIGN §17); `send` when its first
     * message was queued and now needs its job.
     */
    async approval(a: By & { decision: 'approve' | 'reject' }): Promise<{ change: Change; send: boolean }> {
      const r = await run('approve', at(a.id), a.now, a.id, a.decision, a.reason ?? '');
      return { change: await ended([r[0], r[1], r[2], r[4]] as LuaReply, a), send: r[3] === '1' };
    },
    /** Rejects up to `limit` invites of one partition that waited since `cutoff` or before. */
    async rejectWaiting(a: { now: number; cutoff: number; limit: number; partition: number }) {
      const [rejected, seen, batchIds] = (await run(
        'reject_waiting',
        parts[a.partition],
        a.now,
        a.cutoff,
        a.limit,
      )) as unknown as [number, number, string[]];
      for (const batchId of batchIds) await batches.finishBatch(batchId, a.now);
      return { rejected, seen };
    },
    /** What a send job needs, in one round trip: the invite and whether its address is suppressed. */
    async prepareSend(id: string): Promise<{ doc: InviteDoc | null; suppressed: boolean }> {
      // Two plain reads rather than a script: a send reads nothing it then writes, and a function
      // call costs Redis ~6 µs before any work (an empty delivery call, 2026-12-06).
      const keys = pk(at(id));
      const raw = await redis.get(keys.invite(id));
      if (!raw) return { doc: null, suppressed: false };
      const doc = parseDoc(raw, id);
      if (doc.emailKey === null) return { doc, suppressed: false };
      const own = keys.suppressionField(doc.tenant, doc.emailKey);
      const shared = keys.sharedSuppressionField(doc.emailKey);
      const found = await redis.hmget(
        keys.suppressions,
        own,
        shared,
        erasedSuppressionField(own),
        erasedSuppressionField(shared),
      );
      return { doc, suppressed: found.some((f) => f !== null) };
    },
    /** One page of one partition's share of a list (candidate `ids` of other partitions are dropped). */
    async query(spec: QuerySpec, now: number, partition: number) {
      const P = parts[partition];
      const wire = {
        ...spec,
        ids: spec.ids && spec.ids.filter((id) => where.ofId(id) === partition),
      };
      const [state, ids, scores, resumeScore, resumeId] = (await run(
        'query',
        P,
        now,
        JSON.stringify(wire),
      )) as [string, string[], string[], string, string];
      return { state, ids, scores, resume: state === 'budget' ? { score: resumeScore, id: resumeId } : null };
    },
    /**
     * Removes a deleted tenant's suppression entries made until `before` (its unsubscribes; shared
     * bounces stay; one made again since by a tenant of the same id stays too).
     */
    async purgeSuppressions(tenant: string, before: number, now: number) {
      const most = 500;
      for (const P of parts) {
        let looked: number;
        do looked = Number(await run('purge_suppressions', P, now, tenant, before, most));
        while (looked === most);
        // What a reason's index may hold of that age without an entry (each removal is its own step).
        for (const r of REASONS)
          await redis.zremrangebyscore(pk(P).suppressionOrder(tenant, r), '-inf', before);
      }
    },
    /** Invites whose latest send was recorded as queued at or before `cutoff` (up to `limit` per partition). */
    async queuedBefore(cutoff: number, limit: number) {
      const flats = await Promise.all(
        parts.map((P) =>
          redis.zrange(pk(P).queued, '-inf', cutoff, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES'),
        ),
      );
      const entries = [];
      for (const flat of flats) {
        for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i], score: flat[i + 1] });
      }
      const docs = await reads.getMany(entries.map((e) => e.id));
      return entries.map((e, i) => ({ ...e, doc: docs[i] }));
    },
    /** Drops (nothing to repair) or bumps (looked at, job exists) queued entries still as read. */
    async settleQueued(mode: 'drop' | 'bump', now: number, entries: { id: string; score: string }[]) {
      const counts = await Promise.all(
        [...byPartition(where, entries, (e) => e.id)].map(([p, group]) =>
          run('unqueue', parts[p], now, mode, ...group.flatMap((e) => [e.id, e.score])),
        ),
      );
      return counts.reduce((a, n) => a + Number(n), 0);
    },
  };
  return store;
}
