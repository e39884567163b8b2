import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { HeraldError, notFound } from '../errors.js';
import { EVENT_TYPES, eventId, positionText, refOfEvent } from '../events/catalog.js';
import type { EventStore } from '../events/store.js';
import { newSecret } from './sign.js';
import { checkWebhookUrl } from './ssrf.js';
import type { AttemptRecord, EndpointRecord, EndpointStore } from './store.js';
import type { Vault } from '../vault.js';

/** What the endpoints API asks of the queues; src/jobs implements it with BullMQ. */
export interface WebhookJobs {
  /** Queues one delivery of a recorded event to one endpoint (a fresh job: redelivery). */
  redeliver(endpointId: string, streamId: string): Promise<void>;
  /** Drops every queued delivery of a removed endpoint. */
  drop(endpointId: string): Promise<void>;
}

export interface EndpointInput {
  url: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

/** How long the old secret keeps signing after a rotation. */
export const ROTATION_GRACE_MS = 24 * 3600_000;

export type Endpoints = ReturnType<typeof createEndpoints>;

/** The webhook endpoints API: registration (with the SSRF check), secrets, logs, redelivery. */
export function createEndpoints(
  store: EndpointStore,
  events: EventStore,
  jobs: WebhookJobs,
  vault: Vault,
  clock: Clock,
  o: { allowPrivate: boolean },
) {
  const view = (e: EndpointRecord) => ({
    id: e.id,
    url: e.url,
    events: e.events ?? EVENT_TYPES.filter((t) => t !== 'webhook.test'),
    description: e.description,
    enabled: e.enabled,
    createdAt: new Date(e.createdAt).toISOString(),
  });
  const mustGet = async (id: string) => {
    const e = await store.get(id);
    if (!e) throw notFound('webhook');
    return e;
  };

  return {
    view,
    /** The secrets that sign deliveries now: the current one, and the previous during its grace. */
    signingSecrets(e: EndpointRecord, now: number): string[] {
      return e.secrets.filter((s) => s.until === null || s.until > now).map((s) => vault.open(s.sealed));
    },

    /** The tenant an endpoint belongs to, or null when there is no such endpoint. */
    async tenantOf(id: string): Promise<string | null> {
      const e = await store.get(id);
      return e ? (e.tenant ?? 'default') : null;
    },

    /** `scopeIds`: those of the key that makes it; its deliveries keep to them. */
    async create(input: EndpointInput, tenant = 'default', scopeIds: string[] | null = null) {
      const url = await checkWebhookUrl(input.url, o.allowPrivate);
      const now = clock.now();
      const secret = newSecret();
      const e: EndpointRecord = {
        id: `whk_${randomBytes(12).toString('base64url')}`,
        url,
        events: input.events ? [...new Set(input.events)] : null,
        description: input.description ?? null,
        enabled: input.enabled ?? true,
        createdAt: now,
        updatedAt: now,
        since: positionText(await events.end()),
        secrets: [{ sealed: vault.seal(secret), until: null }],
        ...(tenant === 'default' ? {} : { tenant }),
        ...(scopeIds ? { scopeIds } : {}),
      };
      await store.create(e);
      return { ...view(e), secret };
    },

    async list(tenant = 'default') {
      return { data: (await store.list()).filter((e) => (e.tenant ?? 'default') === tenant).map(view) };
    },

    async get(id: string) {
      return view(await mustGet(id));
    },

    async patch(id: string, input: Partial<EndpointInput>) {
      const url = input.url === undefined ? undefined : await checkWebhookUrl(input.url, o.allowPrivate);
      const next = await store.update(id, (e) => ({
        ...e,
        url: url ?? e.url,
        events: input.events ? [...new Set(input.events)] : e.events,
        description: input.description === undefined ? e.description : input.description,
        enabled: input.enabled ?? e.enabled,
        updatedAt: clock.now(),
      }));
      if (!next) throw notFound('webhook');
      return view(next);
    },

    async remove(id: string) {
      if (!(await store.remove(id))) throw notFound('webhook');
      await jobs.drop(id);
    },

    async rotate(id: string) {
      const secret = newSecret();
      const now = clock.now();
      const next = await store.update(id, (e) => ({
        ...e,
        updatedAt: now,
        secrets: [
          { sealed: vault.seal(secret), until: null },
          ...e.secrets.slice(0, 1).map((s) => ({ ...s, until: now + ROTATION_GRACE_MS })),
        ],
      }));
      if (!next) throw notFound('webhook');
      return { secret };
    },

    /** Marks an endpoint disabled (its receiver answered 410 Gone). */
    async disable(id: string) {
      await store.update(id, (e) => ({ ...e, enabled: false, updatedAt: clock.now() }));
    },

    async test(id: string) {
      await mustGet(id);
      await events.publishTest(id, clock.now());
    },

    async deliveries(id: string, q: { limit: number; after?: string }) {
      await mustGet(id);
      if (q.after !== undefined && !/^\d+-\d+$/.test(q.after)) {
        throw new HeraldError('invalid_cursor', 400, 'The cursor is not one this list gave out.', [
          { field: 'after' },
        ]);
      }
      const rows = await store.attempts(id, q.limit + 1, q.after);
      const page = rows.slice(0, q.limit);
      return {
        data: page.map(({ id: _id, at, ...a }) => ({ ...a, at: new Date(at).toISOString() })),
        hasMore: rows.length > q.limit,
        nextCursor: rows.length > q.limit ? page[page.length - 1].id : null,
      };
    },

    async redeliver(id: string, evtId: string) {
      await mustGet(id);
      const ref = refOfEvent(evtId);
      const entry = ref ? await events.get(ref) : null;
      if (!entry || (entry.to && entry.to !== id)) {
        throw new HeraldError(
          'event_not_found',
          404,
          `No event ${evtId} (unknown, or past EVENT_RETENTION).`,
          [{ field: 'eventId' }],
        );
      }
      await jobs.redeliver(id, entry.streamId);
      return { eventId: eventId(entry.streamId) };
    },

    logAttempt: (endpointId: string, a: AttemptRecord) => store.logAttempt(endpointId, a),
  };
}
