import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { InviteDoc } from './invite.js';

/*
 * The only module that knows the invites' Redis keys. Every state change is one Lua script
 * (src/invites/lua) with one typed method below, so concurrent API calls, workers and sweeps can
 * never interleave half a change, and no caller knows a script's arguments or reply shape.
 * P is the hash-tagged prefix from src/keys.ts (`{herald}`): every key below shares its slot.
 *
 *   P:inv:ID          status letter + invite JSON       P:ev:ID   audit events (list)
 *   P:code:DIGEST     id by code digest    P:uniq:…       the pending invite per (email, scope)
 *   P:z:created|updated|expires   sort indexes    P:z:due  pending invites by expiry (sweeps)
 *   P:x:status|email|role|inviter|user|batch|stype|sid:VALUE   filter indexes (membership, score 0)
 *   P:batch:ID        batch tallies (hash)  P:batch:ID:chunk:N / :res:N   bulk chunks and results
 *   P:idem:…          idempotency records   P:stats        counters for /metrics
 *   P:z:queued        invites with a send recorded as queued, by when (repair of lost jobs)
 *   P:z:batches       batch ids by creation   P:lastSweep   when the last sweep ran
 *   P:st:HOUR         funnel counters per hour (metric|dimension → n)
 *   P:sup             suppression list (lowercase address → entry)   P:z:sup[:REASON]  its time order
 */
const SCRIPTS = [
  'create',
  'accept',
  'cancel',
  'delete',
  'patch',
  'resend',
  'delivery',
  'sweep',
  'query',
  'unqueue',
  'suppression',
  'prepare_send',
  'bounce',
  'decline',
  'opened',
  'claim_reminder',
] as const;
type Script = (typeof SCRIPTS)[number];

const lib = readFileSync(new URL('./lua/lib.lua', import.meta.url), 'utf8');
const sources = Object.fromEntries(
  SCRIPTS.map((s) => [s, `${lib}\n${readFileSync(new URL(`./lua/${s}.lua`, import.meta.url), 'utf8')}`]),
) as Record<Script, string>;

type LuaReply = [string, ...unknown[]];

/**
 * What a state-changing script answered (every one replies {'ok', outcome, invite JSON} or
 * {'err', code, detail}): the outcome and the invite as stored, or the refusal's code.
 */
export type Change =
  { ok: true; outcome: string; doc: InviteDoc | null } | { ok: false; code: string; detail?: string };

function change(r: LuaReply): Change {
  if (r[0] === 'err') return { ok: false, code: String(r[1]), detail: r[2] as string | undefined };
  return { ok: true, outcome: String(r[1]), doc: typeof r[2] === 'string' ? parseDoc(r[2]) : null };
}

/** Who does a change, and when: every typed script method takes these. */
interface By {
  now: number;
  id: string;
  /** The X-Audit-Log-Reason given with the request, if any. */
  reason?: string;
}

const STATUS: Record<string, InviteDoc['status']> = {
  P: 'pending',
  A: 'accepted',
  C: 'canceled',
  E: 'expired',
  D: 'declined',
};

/** A stored invite: one status letter, then the rest as JSON (see lua/lib.lua for why). */
export function parseDoc(raw: string): InviteDoc {
  return { ...(JSON.parse(raw.slice(1)) as Omit<InviteDoc, 'status'>), status: STATUS[raw[0]] };
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

export interface BatchRecord {
  id: string;
  status: string;
  total: number;
  created: number;
  duplicates: number;
  sent: number;
  failed: number;
  suppressed: number;
  chunks: number;
  createdAt: number;
  finishedAt: number | null;
  fields: string;
}

export type Store = ReturnType<typeof createStore>;

/** The invite store over one Redis connection; `prefix` keeps tests and tenants apart. */
export function createStore(redis: Redis, prefix: string) {
  for (const s of SCRIPTS) redis.defineCommand(`herald_${s}`, { numberOfKeys: 1, lua: sources[s] });
  redis.defineCommand('herald_by_digest', {
    numberOfKeys: 1,
    lua: "local id = redis.call('GET', KEYS[1]) if not id then return false end return redis.call('GET', ARGV[1] .. id)",
  });
  const run = (s: Script, now: number, ...args: (string | number)[]) =>
    (redis as unknown as Record<string, (...a: unknown[]) => Promise<LuaReply>>)[`herald_${s}`](
      prefix,
      now,
      ...args,
    );
  const key = (...parts: string[]) => [prefix, ...parts].join(':');
  const parse = (raw: string | null) => (raw ? parseDoc(raw) : null);

  return {
    prefix,
    /**
     * Stores new invites, all or none: 'ok:ID' or 'dup:EXISTING_ID' per doc, or null when a code
     * clashed (draw new salts and call again). A bulk `chunk` is stored once however often this
     * runs: a repeat gets the first run's 'ok:ID's back.
     */
    async create(a: { now: number; docs: object[]; chunk?: { batchId: string; n: number } }) {
      const c = a.chunk;
      const chunkArgs = c
        ? [
            key('batch', c.batchId, 'chunk', String(c.n)),
            key('batch', c.batchId, 'res', String(c.n)),
            c.batchId,
          ]
        : ['', '', ''];
      const reply = await run('create', a.now, JSON.stringify(a.docs), ...chunkArgs);
      return reply[0] === 'collision' ? null : (reply[1] as string[]);
    },
    /** One use of an invite; the same user (or, anonymously, the invited address) counts once. */
    accept: (a: By & { userId?: string; email?: string }) =>
      run(
        'accept',
        a.now,
        a.id,
        a.userId ?? '',
        a.email ?? '',
        (a.email ?? '').toLowerCase(),
        a.reason ?? '',
      ).then(change),
    cancel: (a: By) => run('cancel', a.now, a.id, a.reason ?? '').then(change),
    decline: (a: By) => run('decline', a.now, a.id, a.reason ?? '').then(change),
    /** Removes the invite and its index entries; the audit trail stays 30 days. */
    delete: (a: By) => run('delete', a.now, a.id, a.reason ?? '').then(change),
    /** Changes only the fields given (metadata as JSON text). */
    patch: (a: By & { fields: Record<string, unknown> }) =>
      run('patch', a.now, a.id, JSON.stringify(a.fields), a.reason ?? '').then(change),
    /**
     * Records a resend (outcome: its send number). `rotate` replaces the code; `expiresAt` sets a
     * new expiry (null: never; undefined: keep).
     */
    resend: (
      a: By & { cooldownMs: number; rotate?: { salt: string; digest: string }; expiresAt?: number | null },
    ) => {
      const exp = a.expiresAt === undefined ? '' : String(a.expiresAt ?? 'null');
      const { salt, digest } = a.rotate ?? { salt: '', digest: '' };
      return run('resend', a.now, a.id, a.cooldownMs, salt, digest, exp, a.reason ?? '').then(change);
    },
    /** The first view of the landing page (outcome opened, already or gone). */
    opened: (a: Omit<By, 'reason'>) => run('opened', a.now, a.id).then(change),
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
    }) =>
      run(
        'delivery',
        a.now,
        a.id,
        a.seq,
        a.outcome,
        a.info,
        a.batchId ?? '',
        a.kind,
        a.permanent ? '1' : '0',
      ).then(change),
    /** The send number of one reminder slot, the same on every retry; null when it must not go. */
    async claimReminder(a: { now: number; id: string; slot: number }): Promise<number | null> {
      const reply = await run('claim_reminder', a.now, a.id, a.slot);
      return reply[1] === 'seq' ? Number(reply[2]) : null;
    },
    /** Adds ('put', or 'add' only when absent) or removes one suppression list entry. */
    async suppression(a: {
      now: number;
      op: 'put' | 'add' | 'delete';
      email: string;
      key: string;
      reason: string;
      detail: string;
    }): Promise<{ ok: true; outcome: string; entry: string } | { ok: false; code: string }> {
      const r = await run('suppression', a.now, a.op, a.email, a.key, a.reason, a.detail);
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
    }): Promise<string> {
      const r = await run('bounce', a.now, a.id, a.seq, a.permanent ? '1' : '0', a.status, a.detail);
      return String(r[1]);
    },
    /** Flips up to `limit` due invites to expired; `seen` < limit means none are left. */
    async sweep(a: { now: number; limit: number }): Promise<{ flipped: number; seen: number }> {
      const [flipped, seen] = (await run('sweep', a.now, a.limit)) as unknown as [number, number];
      return { flipped, seen };
    },
    async get(id: string): Promise<InviteDoc | null> {
      return parse(await redis.get(key('inv', id)));
    },
    async getMany(ids: string[]): Promise<(InviteDoc | null)[]> {
      if (ids.length === 0) return [];
      return (await redis.mget(ids.map((id) => key('inv', id)))).map(parse);
    },
    /** What a send job needs, in one round trip: the invite and whether its address is suppressed. */
    async prepareSend(id: string): Promise<{ doc: InviteDoc | null; suppressed: boolean }> {
      const [raw, sup] = (await run('prepare_send', 0, id)) as unknown as [string | null, string | null];
      return { doc: parse(raw), suppressed: !!sup };
    },
    async idByDigest(digest: string): Promise<string | null> {
      return redis.get(key('code', digest));
    },
    /** The invite a code digest points to, in one round trip. */
    async getByDigest(digest: string): Promise<InviteDoc | null> {
      const byDigest = (redis as unknown as Record<string, (...a: string[]) => Promise<string | null>>)
        .herald_by_digest;
      return parse(await byDigest.call(redis, key('code', digest), key('inv', '')));
    },
    async events(id: string): Promise<Record<string, unknown>[] | null> {
      const [[, exists], [, list]] = (await redis
        .multi()
        .exists(key('inv', id), key('ev', id))
        .lrange(key('ev', id), 0, -1)
        .exec()) as [[null, number], [null, string[]]];
      return exists ? list.map((e) => JSON.parse(e)) : null;
    },
    async query(spec: QuerySpec, now: number) {
      const wire = {
        ...spec,
        sort: key('z', spec.sort),
        all: spec.all.map((a) => key('x', a.kind, a.value)),
      };
      const [state, ids, scores, resumeScore, resumeId] = (await run('query', now, JSON.stringify(wire))) as [
        string,
        string[],
        string[],
        string,
        string,
      ];
      return { state, ids, scores, resume: state === 'budget' ? { score: resumeScore, id: resumeId } : null };
    },
    async setSize(kind: string, value: string): Promise<number> {
      return redis.zcard(key('x', kind, value));
    },
    async setMembers(kind: string, value: string): Promise<string[]> {
      return redis.zrange(key('x', kind, value), 0, -1);
    },
    /** Writes a bulk batch and its chunks in one transaction. */
    async createBatch(
      b: Omit<BatchRecord, 'created' | 'duplicates' | 'sent' | 'failed' | 'suppressed' | 'finishedAt'>,
      chunks: string[][],
    ) {
      const m = redis.multi();
      chunks.forEach((c, i) => m.rpush(key('batch', b.id, 'chunk', String(i)), ...c));
      m.hset(key('batch', b.id), {
        ...b,
        created: 0,
        duplicates: 0,
        sent: 0,
        failed: 0,
        suppressed: 0,
        chunksDone: 0,
        finishedAt: '',
      });
      m.zadd(key('z', 'batches'), b.createdAt, b.id);
      await m.exec();
    },
    /** The newest batch ids (the console lists them). */
    async recentBatches(count: number): Promise<string[]> {
      return redis.zrevrange(key('z', 'batches'), 0, count - 1);
    },
    async setLastSweep(at: number) {
      await redis.set(key('lastSweep'), String(at));
    },
    async lastSweep(): Promise<number | null> {
      const v = await redis.get(key('lastSweep'));
      return v ? Number(v) : null;
    },
    async getBatch(id: string): Promise<BatchRecord | null> {
      const h = await redis.hgetall(key('batch', id));
      if (!h.id) return null;
      const n = (f: string) => Number(h[f] ?? 0);
      return {
        id: h.id,
        status: h.status,
        total: n('total'),
        created: n('created'),
        duplicates: n('duplicates'),
        sent: n('sent'),
        failed: n('failed'),
        suppressed: n('suppressed'),
        chunks: n('chunks'),
        createdAt: n('createdAt'),
        finishedAt: h.finishedAt ? Number(h.finishedAt) : null,
        fields: h.fields,
      };
    },
    async chunkEmails(batchId: string, n: number): Promise<string[]> {
      return redis.lrange(key('batch', batchId, 'chunk', String(n)), 0, -1);
    },
    async stats(): Promise<Record<string, number>> {
      const h = await redis.hgetall(key('stats'));
      return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
    },
    async heartbeat(worker: string, now: number) {
      await redis
        .multi()
        .zadd(key('workers'), now, worker)
        .zremrangebyscore(key('workers'), '-inf', now - 60_000)
        .exec();
    },
    async workersAlive(now: number, windowMs: number): Promise<number> {
      return redis.zcount(key('workers'), now - windowMs, '+inf');
    },
    /** A lock with a token, released only by its holder; null when someone else holds it. */
    async lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
      const token = randomUUID();
      const got = await redis.set(key('lock', name), token, 'PX', ttlMs, 'NX');
      if (!got) return null;
      return async () => {
        await redis.eval(
          "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
          1,
          key('lock', name),
          token,
        );
      };
    },
    /**
     * Claims an idempotency key for a request fingerprint: 'new' (go ahead), 'pending' (the
     * first request is still running), 'mismatch' (same key, other body) or the stored answer.
     */
    async idemClaim(scope: string, idemKey: string, fingerprint: string) {
      const k = key('idem', scope, idemKey);
      const claimed = await redis.set(k, JSON.stringify({ f: fingerprint }), 'PX', 60_000, 'NX');
      if (claimed) return { state: 'new' as const };
      const raw = await redis.get(k);
      if (!raw) return { state: 'pending' as const };
      const rec = JSON.parse(raw) as { f: string; status?: number; body?: unknown };
      if (rec.f !== fingerprint) return { state: 'mismatch' as const };
      if (rec.status === undefined) return { state: 'pending' as const };
      return { state: 'done' as const, status: rec.status, body: rec.body };
    },
    async idemStore(
      scope: string,
      idemKey: string,
      fingerprint: string,
      status: number,
      body: unknown,
      ttlSec: number,
    ) {
      await redis.set(
        key('idem', scope, idemKey),
        JSON.stringify({ f: fingerprint, status, body }),
        'EX',
        ttlSec,
      );
    },
    async idemRelease(scope: string, idemKey: string) {
      await redis.del(key('idem', scope, idemKey));
    },
    async ping(): Promise<boolean> {
      return (await redis.ping()) === 'PONG';
    },
    /** Invites whose latest send was recorded as queued at or before `cutoff`, oldest first. */
    async queuedBefore(cutoff: number, limit: number) {
      const flat = await redis.zrange(
        key('z', 'queued'),
        '-inf',
        cutoff,
        'BYSCORE',
        'LIMIT',
        0,
        limit,
        'WITHSCORES',
      );
      const entries = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i], score: flat[i + 1] });
      const docs = await this.getMany(entries.map((e) => e.id));
      return entries.map((e, i) => ({ ...e, doc: docs[i] }));
    },
    /** Drops (nothing to repair) or bumps (looked at, job exists) queued entries still as read. */
    async settleQueued(mode: 'drop' | 'bump', now: number, entries: { id: string; score: string }[]) {
      if (entries.length === 0) return 0;
      return Number(await run('unqueue', now, mode, ...entries.flatMap((e) => [e.id, e.score])));
    },
    /** The funnel counters of each hour (P:st:HOUR, written by lib.lua's tally), for the given fields. */
    async tallies(hours: number[], fields: string[]): Promise<number[][]> {
      const p = redis.pipeline();
      for (const h of hours) p.hmget(key('st', String(h)), ...fields);
      const res = (await p.exec()) ?? [];
      return res.map(([err, vals]) => {
        if (err) throw err;
        return (vals as (string | null)[]).map((v) => Number(v ?? 0));
      });
    },
    async dueCount(now: number): Promise<number> {
      return redis.zcount(key('z', 'due'), '-inf', now);
    },
  };
}
