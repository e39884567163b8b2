import { z } from 'zod';
import { FIELDS, iso, STATUSES, type Status, type StoredField } from './schema.js';

export { DELIVERY_STATUSES, STATUSES, type Status } from './schema.js';

type Fields = typeof FIELDS;

/**
 * The invite as stored in Redis (a status letter, then JSON; schema.ts declares every field).
 * Times are epoch ms; `expiredAt` is derived (it is `expiresAt`). Lua scripts own every change.
 */
export type InviteDoc = { [K in keyof Fields]: z.infer<Fields[K]['type']> } & { id: string; status: Status };

/** A pending invite past its expiry reads as expired, whether or not a sweep stored that. */
export function effectiveStatus(doc: InviteDoc, now: number): Status {
  if (doc.status === 'pending' && doc.expiresAt !== null && doc.expiresAt <= now) return 'expired';
  return doc.status;
}

// The shown fields in their order, with their zod view and value (schema.ts's `view`).
const shown = Object.entries(FIELDS as Record<string, StoredField>).flatMap(([name, f]) => {
  if (f.view === false) return [];
  const value = (doc: InviteDoc) => doc[name as keyof InviteDoc];
  if (f.view) {
    const from = f.view.from as (v: unknown) => unknown;
    return [{ name, schema: f.view.schema, from: (doc: InviteDoc) => from(value(doc)) }];
  }
  if (f.time) {
    const schema = f.type.safeParse(null).success ? z.string().nullable() : z.string();
    return [{ name, schema, from: (doc: InviteDoc) => iso(value(doc) as number | null) }];
  }
  const fallback = 'default' in f ? f.default : null;
  return [{ name, schema: f.type, from: (doc: InviteDoc) => value(doc) ?? fallback }];
});

export const inviteView = z.object({
  id: z.string(),
  code: z.string(),
  url: z.string(),
  status: z.enum(STATUSES),
  ...(Object.fromEntries(shown.map((s) => [s.name, s.schema])) as Record<string, z.ZodType>),
  expiredAt: z.string().nullable(),
});

/** The API's invite: every shown field of the schema, as GET returns it. */
export type Invite = {
  id: string;
  code: string;
  url: string;
  status: Status;
  expiredAt: string | null;
} & {
  [K in keyof Fields as Fields[K] extends { view: false } ? never : K]: Fields[K] extends {
    view: { schema: infer S extends z.ZodType };
  }
    ? z.infer<S>
    : Fields[K] extends { time: true }
      ? null extends z.infer<Fields[K]['type']>
        ? string | null
        : string
      : z.infer<Fields[K]['type']>;
};

/** The API shape of a stored invite, as seen at `now`. */
export function toView(doc: InviteDoc, code: string, publicUrl: string, now: number): Invite {
  const status = effectiveStatus(doc, now);
  const view: Record<string, unknown> = { id: doc.id, code, url: `${publicUrl}/i/${code}`, status };
  for (const s of shown) view[s.name] = s.from(doc);
  view.expiredAt = status === 'expired' ? iso(doc.expiresAt) : null;
  return view as Invite;
}
