import { z } from 'zod';
import type { Clock } from '../clock.js';
import { invalid, notFound } from '../errors.js';
import { codeDigest, looksLikeCode } from './codes.js';
import type { ListQuery } from './inputs.js';
import { effectiveStatus, type Invite, type InviteDoc } from './invite.js';
import { LAYOUT } from './layout.js';
import type { QuerySpec, Store } from './store.js';

// A filter set at most this large is read whole and sorted; a larger one is checked per id
// while walking the sort index. Each script call examines at most `scanBudget` ids.
const DEFAULTS = { smallSet: 5000, scanBudget: 5000 };

const cursorSchema = z.object({ k: z.string(), s: z.string().max(40), i: z.string().max(64) });

const encodeCursor = (k: string, score: string, id: string) =>
  Buffer.from(JSON.stringify({ k, s: score, i: id })).toString('base64url');

function decodeCursor(after: string, sort: string) {
  try {
    const c = cursorSchema.parse(JSON.parse(Buffer.from(after, 'base64url').toString()));
    if (c.k !== sort || Number.isNaN(Number(c.s.replace('inf', 'Infinity')))) throw new Error('other sort');
    return { score: c.s, id: c.i };
  } catch {
    throw invalid('after', 'is not a cursor from this listing', 'invalid_cursor');
  }
}

const ms = (iso?: string) => (iso === undefined ? null : Date.parse(iso));

export type Queries = ReturnType<typeof createQueries>;

/** Read-side use cases: the filtered list and the public views of a code. */
export function createQueries(
  store: Store,
  clock: Clock,
  secret: string,
  view: (d: InviteDoc) => Invite,
  tuning = DEFAULTS,
) {
  async function byCode(code: string, uses = true): Promise<InviteDoc | null> {
    // The digest is computed for every input so unknown and known codes cost the same.
    const digest = codeDigest(secret, code);
    return looksLikeCode(code) ? store.getByCode(code, digest, uses) : null;
  }

  /**
   * The invite a code opens for the public and the landing page: none while it waits for
   * approval or after it was rejected (DESIGN §17: the code does not work, it says "not found").
   * Its acceptedBy is left in Redis (empty here; `uses` counts them): no public read shows it.
   */
  async function openedBy(code: string): Promise<InviteDoc | null> {
    const doc = await byCode(code, false);
    return doc && doc.status !== 'pending_approval' && doc.status !== 'rejected' ? doc : null;
  }

  /** `tenant`: only that tenant's invites (null: every invite, when there is one tenant). */
  async function list(q: ListQuery, tenant: string | null = null) {
    const sortKey = q.sort.replace('-', '') as 'createdAt' | 'expiresAt' | 'updatedAt';
    const sort = ({ createdAt: 'created', expiresAt: 'expires', updatedAt: 'updated' } as const)[sortKey];
    const cursor = q.after ? decodeCursor(q.after, q.sort) : null;
    const all: { kind: string; value: string }[] = [];
    const add = (kind: keyof typeof LAYOUT.indexed, value?: string) =>
      value !== undefined && all.push({ kind, value });
    // Every filter but the status has an index (LAYOUT.indexed).
    add('email', q.email?.toLowerCase());
    add('role', q.role);
    add('inviter', q.inviterId);
    add('user', q.acceptedBy);
    add('stype', q.scopeType);
    add('sid', q.scopeId);
    add('batch', q.batchId);
    add('tenant', tenant ?? undefined);
    const statuses = q.status ? [...new Set(q.status.split(','))] : null;

    let ids: string[] | null = null;
    if (q.code !== undefined) {
      const doc = await byCode(q.code);
      ids = doc ? [doc.id] : [];
    } else {
      // The smallest filter's ids, when one has at most smallSet (each count stops past that).
      const sizes = await Promise.all(all.map((c) => store.setSize(c.kind, c.value, tuning.smallSet)));
      const smallest = sizes.indexOf(Math.min(...sizes));
      if (smallest >= 0 && sizes[smallest] <= tuning.smallSet) {
        ids = await store.setMembers(all[smallest].kind, all[smallest].value);
      }
    }
    const [cMin, cMax, eMin, eMax] = [
      ms(q.createdAfter),
      ms(q.createdBefore),
      ms(q.expiresAfter),
      ms(q.expiresBefore),
    ];
    const bound = (v: number | null, dflt: string) => (v === null ? dflt : String(v));
    const spec: QuerySpec = {
      sort,
      desc: q.sort.startsWith('-'),
      lo: bound({ created: cMin, expires: eMin, updated: null }[sort], '-inf'),
      hi: bound({ created: cMax, expires: eMax, updated: null }[sort], '+inf'),
      limit: q.limit,
      budget: tuning.scanBudget,
      cursor,
      ids,
      all,
      statuses,
      createdMin: cMin,
      createdMax: cMax,
      expiresMin: eMin,
      expiresMax: eMax,
    };
    // Every partition answers its own first limit+1 matches after the cursor, in the one order
    // (score, then id) all of them share; merged, the first limit+1 of all are the page.
    const now = clock.now();
    const shares = await Promise.all(
      Array.from({ length: store.partitioning.count }, async (_, partition) => {
        const mine: { id: string; score: string }[] = [];
        let from = spec.cursor;
        for (;;) {
          const page = await store.query(
            { ...spec, cursor: from, limit: q.limit - mine.length },
            now,
            partition,
          );
          page.ids.forEach((id, i) => mine.push({ id, score: page.scores[i] }));
          if (!page.resume || mine.length > q.limit) return mine;
          from = page.resume;
        }
      }),
    );
    const num = (score: string) => Number(score.replace('inf', 'Infinity'));
    const found = shares.flat().sort((a, b) => {
      const [x, y] = [num(a.score), num(b.score)];
      if (x !== y) return spec.desc ? y - x : x - y;
      return a.id < b.id ? -1 : 1;
    });
    const hasMore = found.length > q.limit;
    const shown = found.slice(0, q.limit);
    const docs = await store.getMany(shown.map((f) => f.id));
    const last = shown[shown.length - 1];
    return {
      data: docs.filter((d): d is InviteDoc => d !== null).map(view),
      hasMore,
      nextCursor: hasMore ? encodeCursor(q.sort, last.score, last.id) : null,
    };
  }

  const reasonOf = (doc: InviteDoc) =>
    // A declined invite was answered: like a used one, it can be accepted no more.
    (
      ({
        expired: 'expired',
        canceled: 'canceled',
        accepted: 'used',
        declined: 'used',
        pending: null,
      }) as Record<string, 'expired' | 'canceled' | 'used' | null>
    )[effectiveStatus(doc, clock.now())];

  return {
    list,
    byCode: openedBy,
    /** What an invite grants, for anyone holding its code; never the e-mail address. */
    async publicView(code: string) {
      const doc = await openedBy(code);
      if (!doc) throw notFound();
      // Read from the stored fields directly (not the whole view): this is the hottest read.
      const status = effectiveStatus(doc, clock.now());
      return {
        code,
        status,
        scope: doc.scope,
        role: doc.role,
        inviter: { name: doc.inviter.name },
        expiresAt: doc.expiresAt === null ? null : new Date(doc.expiresAt).toISOString(),
        maxUses: doc.maxUses,
        uses: doc.uses,
        temporary: doc.temporary,
        valid: status === 'pending',
      };
    },
    async validate(code: string) {
      const doc = await openedBy(code);
      if (!doc) return { valid: false as const, reason: 'not_found' as const };
      const reason = reasonOf(doc);
      return reason
        ? { valid: false as const, reason }
        : { valid: true as const, referrerName: doc.inviter.name ?? null };
    },
  };
}
