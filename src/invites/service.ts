import type { Clock } from '../clock.js';
import { HeraldError, invalid, notFound } from '../errors.js';
import { codeDigest, deriveCode, looksLikeCode, looksLikeId, newId, newSalt } from './codes.js';
import { email as emailSchema, type AcceptInput, type BulkInput, type CreateInput, type PatchInput, type ResendInput } from './inputs.js';
import { toView, type Invite, type InviteDoc } from './invite.js';
import { checkRedirect, refusal, resolveExpiry } from './rules.js';
import type { LuaReply, Store } from './store.js';

/** What the domain asks of the job queue; src/jobs implements it with BullMQ. */
export interface JobPort {
  send(items: { inviteId: string; seq: number; batchId: string | null }[], kind?: 'send' | 'resend'): Promise<void>;
  createChunks(batchId: string, chunks: number): Promise<void>;
  sweep(): Promise<string>;
}

export interface ServiceSettings {
  secret: string;
  publicUrl: string;
  inviteTtl: number;
  redirectAllowlist: string[];
  resendCooldown: number;
  bulkMax: number;
}

export const CHUNK_SIZE = 500;

type Shared = Omit<BulkInput, 'emails'>;

export type Service = ReturnType<typeof createService>;

/** The invite use cases, free of HTTP and BullMQ. */
export function createService(store: Store, jobs: JobPort, clock: Clock, cfg: ServiceSettings) {
  const code = (doc: InviteDoc) => deriveCode(cfg.secret, doc.id, doc.salt);
  const view = (doc: InviteDoc): Invite => toView(doc, code(doc), cfg.publicUrl, clock.now());

  function ok(reply: LuaReply): string {
    if (reply[0] === 'err') throw refusal(String(reply[1]), reply[2] as string | undefined);
    return String(reply[1]);
  }

  /** Shared fields resolved once (expiry to an absolute time), so chunks built later agree. */
  function resolveShared(input: Shared, now: number) {
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
  }
  type Resolved = ReturnType<typeof resolveShared>;

  function newDoc(shared: Resolved, email: string | null, now: number, batchId: string | null, queued: boolean) {
    const id = newId('inv', now);
    const salt = newSalt();
    const doc: InviteDoc & { digest: string } = {
      id, salt, digest: codeDigest(cfg.secret, deriveCode(cfg.secret, id, salt)),
      status: 'pending', email, emailKey: email?.toLowerCase() ?? null, ...shared, batchId, uses: 0, acceptedBy: [],
      delivery: {
        status: queued ? 'queued' : 'none', attempts: 0, sends: 0, lastSentAt: null, lastError: null,
        messageId: null, sentSeq: 0, queuedSeq: queued ? 1 : 0, lastQueuedAt: queued ? now : null,
      },
      createdAt: now, updatedAt: now, acceptedAt: null, canceledAt: null, expiredAt: null,
    };
    return doc;
  }

  /** Runs the create script, drawing new salts in the (72-bit) event of a code clash. */
  async function store_create(build: () => ReturnType<typeof newDoc>[], now: number, chunk = ['', '', '']) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const reply = await store.run('create', now, JSON.stringify(build()), ...chunk);
      if (reply[0] !== 'collision') return reply;
    }
    throw refusal('code_collision');
  }

  async function resolve(idOrCode: string): Promise<InviteDoc> {
    let id: string | null = null;
    if (looksLikeId(idOrCode)) id = idOrCode;
    else if (looksLikeCode(idOrCode)) id = await store.idByDigest(codeDigest(cfg.secret, idOrCode));
    const doc = id ? await store.get(id) : null;
    if (!doc) throw notFound();
    return doc;
  }

  async function reload(id: string): Promise<Invite> {
    const doc = await store.get(id);
    if (!doc) throw notFound();
    return view(doc);
  }

  return {
    view,
    resolve,
    code,

    async create(input: CreateInput): Promise<Invite | { data: Invite[] }> {
      const now = clock.now();
      const shared = resolveShared(input, now);
      if (input.count !== undefined) {
        if (input.email) throw invalid('count', 'count makes open invites; leave out email');
        if (input.send) throw invalid('send', 'open invites have no address to send to');
        const reply = await store_create(() => Array.from({ length: input.count! }, () => newDoc(shared, null, now, null, false)), now);
        const ids = (reply[1] as string[]).map((r) => r.slice(3));
        return { data: (await store.getMany(ids)).filter((d): d is InviteDoc => !!d).map(view) };
      }
      const email = input.email ?? null;
      const send = input.send ?? email !== null;
      if (send && !email) throw invalid('send', 'an invite without email cannot be sent');
      const reply = await store_create(() => [newDoc(shared, email, now, null, send)], now);
      const [result] = reply[1] as string[];
      if (result.startsWith('dup:')) {
        const existingId = result.slice(4);
        throw new HeraldError('invite_exists', 409, `A pending invite for this address and scope exists: ${existingId}.`, [
          { field: 'email', id: existingId, existingId },
        ]);
      }
      const id = result.slice(3);
      if (send) await jobs.send([{ inviteId: id, seq: 1, batchId: null }]);
      return reload(id);
    },

    async bulk(input: BulkInput): Promise<{ batchId: string; total: number }> {
      const raw = typeof input.emails === 'string' ? input.emails.split(/[\s,;]+/).filter(Boolean) : input.emails;
      if (raw.length === 0) throw invalid('emails', 'must hold at least one address');
      if (raw.length > cfg.bulkMax) throw invalid('emails', `must hold at most ${cfg.bulkMax} addresses`);
      const bad = raw.flatMap((e, i) => (emailSchema.safeParse(e).success ? [] : [{ field: `emails[${i}]`, value: e.slice(0, 300), message: 'must be a valid e-mail address' }]));
      if (bad.length) throw new HeraldError('invalid_emails', 400, `${bad.length} address(es) are not valid e-mail addresses.`, bad);
      const seen = new Set<string>();
      const emails = raw.filter((e) => !seen.has(e.toLowerCase()) && !!seen.add(e.toLowerCase()));
      const now = clock.now();
      const shared = resolveShared(input, now);
      const batchId = newId('bat', now);
      const chunks: string[][] = [];
      for (let i = 0; i < emails.length; i += CHUNK_SIZE) chunks.push(emails.slice(i, i + CHUNK_SIZE));
      await store.createBatch(
        { id: batchId, status: 'queued', total: emails.length, chunks: chunks.length, createdAt: now, fields: JSON.stringify(shared) },
        chunks,
      );
      await jobs.createChunks(batchId, chunks.length);
      return { batchId, total: emails.length };
    },

    /** The `create` job: stores one chunk's invites (once, however often it runs) and queues their sends. */
    async processChunk(batchId: string, n: number): Promise<{ created: number; duplicates: number }> {
      const batch = await store.getBatch(batchId);
      if (!batch) return { created: 0, duplicates: 0 };
      const shared = JSON.parse(batch.fields) as Resolved;
      const emails = await store.chunkEmails(batchId, n);
      const now = clock.now();
      const keys = store.chunkKeys(batchId, n);
      const reply = await store_create(() => emails.map((e) => newDoc(shared, e, now, batchId, true)), now, [keys.chunk, keys.result, batchId]);
      const results = reply[1] as string[];
      const ids = results.filter((r) => r.startsWith('ok:')).map((r) => r.slice(3));
      await jobs.send(ids.map((inviteId) => ({ inviteId, seq: 1, batchId })));
      return { created: ids.length, duplicates: results.length - ids.length };
    },

    async batch(id: string) {
      const b = await store.getBatch(id);
      if (!b) throw notFound('batch');
      const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);
      return {
        id: b.id, status: b.status as 'queued' | 'running' | 'done', total: b.total, created: b.created,
        duplicates: b.duplicates, sent: b.sent, failed: b.failed, createdAt: iso(b.createdAt)!, finishedAt: iso(b.finishedAt),
      };
    },

    async get(idOrCode: string): Promise<Invite> {
      return view(await resolve(idOrCode));
    },

    async patch(idOrCode: string, input: PatchInput, reason = ''): Promise<Invite> {
      const doc = await resolve(idOrCode);
      const patch: Record<string, unknown> = {};
      if (input.role !== undefined) patch.role = input.role;
      const exp = resolveExpiry(input, clock.now());
      if (exp !== undefined) patch.expiresAt = exp;
      if (input.maxUses !== undefined) patch.maxUses = input.maxUses;
      if (input.metadata !== undefined) patch.metadata = JSON.stringify(input.metadata);
      if (input.redirectUrl !== undefined) patch.redirectUrl = checkRedirect(input.redirectUrl, cfg.redirectAllowlist);
      if (Object.keys(patch).length === 0) throw invalid('body', 'name at least one field to change', 'empty_patch');
      ok(await store.run('patch', clock.now(), doc.id, JSON.stringify(patch), reason));
      return reload(doc.id);
    },

    async resend(idOrCode: string, input: ResendInput, reason = ''): Promise<Invite> {
      const doc = await resolve(idOrCode);
      const now = clock.now();
      const exp = input?.maxAge === undefined ? '' : input.maxAge === 0 ? 'null' : String(now + input.maxAge * 1000);
      const salt = input?.rotateCode ? newSalt() : '';
      const digest = salt ? codeDigest(cfg.secret, deriveCode(cfg.secret, doc.id, salt)) : '';
      const seq = Number(ok(await store.run('resend', now, doc.id, cfg.resendCooldown * 1000, salt, digest, exp, reason)));
      await jobs.send([{ inviteId: doc.id, seq, batchId: null }], 'resend');
      return reload(doc.id);
    },

    async cancel(idOrCode: string, reason = ''): Promise<Invite> {
      const doc = await resolve(idOrCode);
      ok(await store.run('cancel', clock.now(), doc.id, reason));
      return reload(doc.id);
    },

    async remove(idOrCode: string, reason = ''): Promise<void> {
      const doc = await resolve(idOrCode);
      ok(await store.run('delete', clock.now(), doc.id, reason));
    },

    async accept(idOrCode: string, input: AcceptInput, reason = ''): Promise<Invite> {
      const doc = await resolve(idOrCode);
      const email = input.email ?? '';
      ok(await store.run('accept', clock.now(), doc.id, input.userId, email, email.toLowerCase(), reason));
      return reload(doc.id);
    },

    /** The landing page's button: one use, as the invited address or an anonymous guest. */
    async acceptAnonymous(doc: InviteDoc): Promise<'accepted' | 'already'> {
      const email = doc.email ?? '';
      return ok(await store.run('accept', clock.now(), doc.id, '', email, email.toLowerCase(), '')) as 'accepted' | 'already';
    },

    async events(idOrCode: string) {
      const id = looksLikeId(idOrCode) ? idOrCode : (await resolve(idOrCode)).id;
      const events = await store.events(id);
      if (!events) throw notFound();
      return events.map(({ at, ...rest }) => ({ ...rest, type: String(rest.type), at: new Date(at as number).toISOString() }));
    },

    /** One sweep: flips every due invite, in calls of `batch` so no script runs long. */
    async sweep(batch = 250): Promise<{ flipped: number; calls: number }> {
      let flipped = 0;
      let calls = 0;
      for (;;) {
        const [n, seen] = (await store.run('sweep', clock.now(), batch)) as unknown as [number, number];
        flipped += n;
        calls += 1;
        if (seen < batch) return { flipped, calls };
      }
    },
  };
}
