import type { Redis } from 'ioredis';
import { dataKeys } from '../keys.js';

/** A webhook endpoint as stored (secrets sealed by the vault). */
export interface EndpointRecord {
  id: string;
  url: string;
  /** Subscribed types; null means every type. */
  events: string[] | null;
  description: string | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  /** The event stream position when it was made: it gets only later events. */
  since: string;
  /** Current secret first; an older one stays valid until `until` (ms) after a rotation. */
  secrets: { sealed: string; until: number | null }[];
  /** Its tenant (DESIGN §15); absent: `default`. */
  tenant?: string;
  /**
   * The scopeIds of the key that made it (DESIGN §15): it gets the events of those scopes'
   * invites only, as that key's feed does; absent: every event of its tenant.
   */
  scopeIds?: string[];
}

/** One delivery attempt, as the deliveries log keeps it. */
export interface AttemptRecord {
  eventId: string;
  type: string;
  attempt: number;
  status: 'pending' | 'succeeded' | 'failed';
  responseStatus: number | null;
  error: string | null;
  at: number;
}

const LOG_KEEP = 1000;

const CAS = `
-- Replaces one endpoint only if it is still as read. KEYS: 1 the endpoints hash.
-- ARGV: 1 id, 2 the value read, 3 the new value. Reply: 1 when replaced, 0 when it changed meanwhile.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

export type EndpointStore = ReturnType<typeof createEndpointStore>;

/** Webhook endpoints, their deliveries logs and the dispatch position. Only this file knows their keys. */
export function createEndpointStore(redis: Redis, prefix: string) {
  const { webhooks: all, webhookLog: log, dispatched } = dataKeys(prefix);
  const parse = (raw: string | null | undefined) => (raw ? (JSON.parse(raw) as EndpointRecord) : null);

  return {
    /** Stores a new endpoint; the dispatcher starts from here if it never ran. */
    async create(e: EndpointRecord) {
      await redis.multi().hset(all, e.id, JSON.stringify(e)).set(dispatched, e.since, 'NX').exec();
    },
    async get(id: string): Promise<EndpointRecord | null> {
      return parse(await redis.hget(all, id));
    },
    async list(): Promise<EndpointRecord[]> {
      const h = await redis.hgetall(all);
      return Object.values(h)
        .map((raw) => parse(raw)!)
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    /** Applies `change` to an endpoint atomically (compare and set); null when it does not exist. */
    async update(id: string, change: (e: EndpointRecord) => EndpointRecord): Promise<EndpointRecord | null> {
      for (;;) {
        const raw = await redis.hget(all, id);
        const current = parse(raw);
        if (!current) return null;
        const next = change(current);
        const set = await redis.eval(CAS, 1, all, id, raw!, JSON.stringify(next));
        if (set === 1) return next;
      }
    },
    async remove(id: string): Promise<boolean> {
      const [[, n]] = (await redis.multi().hdel(all, id).del(log(id)).exec()) as [[null, number]];
      return n === 1;
    },
    async logAttempt(endpointId: string, a: AttemptRecord) {
      await redis.xadd(log(endpointId), 'MAXLEN', '~', LOG_KEEP, '*', 'a', JSON.stringify(a));
    },
    /** Newest attempts first, before `beforeId` (exclusive) when given. */
    async attempts(endpointId: string, count: number, beforeId?: string) {
      const rows = (await redis.xrevrange(
        log(endpointId),
        beforeId ? `(${beforeId}` : '+',
        '-',
        'COUNT',
        count,
      )) as [string, string[]][];
      return rows.map(([id, f]) => ({ id, ...(JSON.parse(f[1]) as AttemptRecord) }));
    },
    async dispatchedUpTo(): Promise<string | null> {
      return redis.get(dispatched);
    },
    /** Where the dispatcher got to: a feed position as text (src/events/catalog.ts). */
    async setDispatchedUpTo(position: string) {
      await redis.set(dispatched, position);
    },
  };
}
