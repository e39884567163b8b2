import type { Clock } from '../clock.js';
import { HeraldError, invalid } from '../errors.js';
import { email as emailSchema } from '../invites/inputs.js';
import { refusal } from '../invites/rules.js';
import type { Store } from '../invites/store.js';
import { REASONS, type SuppressionRecord, type SuppressionStore } from './store.js';

export { REASONS };

const view = (r: SuppressionRecord) => ({
  email: r.email,
  reason: r.reason,
  detail: r.detail ?? null,
  createdAt: new Date(r.createdAt).toISOString(),
});

/** A cursor is the position (time, address key) of the last entry shown, base64url. */
const cursorOf = (score: number, key: string) =>
  Buffer.from(JSON.stringify([score, key])).toString('base64url');
function readCursor(after: string) {
  try {
    const [score, key] = JSON.parse(Buffer.from(after, 'base64url').toString()) as [unknown, unknown];
    if (typeof score === 'number' && typeof key === 'string') return { score, key };
  } catch {
    // falls through to the 400
  }
  throw new HeraldError('invalid_cursor', 400, 'The cursor is not one this list gave out.', [
    { field: 'after' },
  ]);
}

/** The address as the list keys it, or a 400 naming the field. */
export function emailKey(raw: string): { email: string; key: string } {
  const parsed = emailSchema.safeParse(raw);
  if (!parsed.success) throw invalid('email', 'must be a valid e-mail address');
  return { email: parsed.data, key: parsed.data.toLowerCase() };
}

export type Suppressions = ReturnType<typeof createSuppressions>;

/** The suppression list API (DESIGN §11), each tenant's own (§15); every call names the tenant. */
export function createSuppressions(store: Store, reads: SuppressionStore, clock: Clock) {
  async function change(
    tenant: string,
    op: 'put' | 'add' | 'delete',
    address: string,
    reason = 'manual',
    detail = '',
  ) {
    const { email, key } = emailKey(address);
    const reply = await store.suppression({ now: clock.now(), tenant, op, email, key, reason, detail });
    if (!reply.ok) throw refusal(reply.code);
    return { outcome: reply.outcome, record: JSON.parse(reply.entry) as SuppressionRecord };
  }
  return {
    async put(
      tenant: string,
      address: string,
      input: { reason?: (typeof REASONS)[number]; detail?: string | null },
    ) {
      const r = await change(tenant, 'put', address, input.reason ?? 'manual', input.detail ?? '');
      return { created: r.outcome === 'created', suppression: view(r.record) };
    },
    async get(tenant: string, address: string) {
      const r = await reads.get(tenant, emailKey(address).key);
      if (!r) throw new HeraldError('suppression_not_found', 404, `${address} is not suppressed.`);
      return view(r);
    },
    /** Lifts the tenant's entry and a shared bounce of the address. */
    async remove(tenant: string, address: string) {
      await change(tenant, 'delete', address);
    },
    /** Adds an address as a mail client's one-click unsubscribe does (also when already there). */
    async unsubscribe(tenant: string, address: string) {
      await change(tenant, 'add', address, 'unsubscribe');
    },
    async list(tenant: string, q: { limit: number; after?: string; reason?: (typeof REASONS)[number] }) {
      const after = q.after ? readCursor(q.after) : null;
      const rows = await reads.page(tenant, q.limit + 1, after, q.reason);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        data: page.map((r) => view(r.record)),
        hasMore: rows.length > q.limit,
        nextCursor: rows.length > q.limit && last ? cursorOf(last.score, last.key) : null,
      };
    },
  };
}
