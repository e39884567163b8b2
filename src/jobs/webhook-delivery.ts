import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { eventId } from '../events/catalog.js';
import { renderEvent } from '../events/render.js';
import type { EventStore } from '../events/store.js';
import type { Logger } from '../logger.js';
import { postWebhook } from '../webhooks/deliver.js';
import type { Endpoints } from '../webhooks/endpoints.js';
import { signature } from '../webhooks/sign.js';
import type { AttemptRecord, EndpointStore } from '../webhooks/store.js';

export const webhookPayload = z.strictObject({ streamId: z.string().regex(/^\d+-\d+(\.\d+)?$/) });

export interface WebhookDeliveryDeps {
  endpoints: Endpoints;
  endpointStore: EndpointStore;
  events: EventStore;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

/** A failed try that BullMQ retries; `retryAfterMs` comes from the receiver's Retry-After. */
export class WebhookRetry extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

/**
 * Delay before retry n (1-based): WEBHOOK_BACKOFF × 3.75^(n−1), ±20 % jitter — with the defaults
 * (5 s, 10 attempts) 5 s, 19 s, 70 s, 4 min, 16 min, 1 h, 3.9 h, 14 h, 2.3 days: about 3 days in
 * all. A Retry-After from the receiver wins.
 */
export function webhookBackoff(base: number) {
  return (attemptsMade: number, _type?: string, err?: Error) => {
    if (err instanceof WebhookRetry && err.retryAfterMs !== null) return err.retryAfterMs;
    return Math.round(base * 3.75 ** Math.max(0, attemptsMade - 1) * (0.8 + Math.random() * 0.4));
  };
}

/** The `webhook` job: one signed POST of one event to one endpoint, logged either way. */
export function webhookProcessor(endpointId: string, d: WebhookDeliveryDeps) {
  return async (job: Job) => {
    const { streamId } = webhookPayload.parse(job.data);
    const endpoint = await d.endpointStore.get(endpointId);
    if (!endpoint) return 'endpoint-gone';
    if (!endpoint.enabled) return 'endpoint-disabled';
    const entry = await d.events.get(streamId);
    if (!entry) return 'event-expired';
    const event = renderEvent(entry, d.publicUrl);
    const body = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
    const now = d.clock.now();
    const timestamp = Math.floor(Date.now() / 1000);
    const id = eventId(streamId);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Herald-Webhooks/1',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature(d.endpoints.signingSecrets(endpoint, now), id, timestamp, body),
    };
    const res = await postWebhook(endpoint.url, headers, body, {
      timeoutMs: d.timeoutMs,
      allowPrivate: d.allowPrivate,
    });
    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    const ok = res.status !== null && res.status >= 200 && res.status < 300;
    const gone = res.status === 410;
    let error: string | null = null;
    if (!ok) error = res.status === null ? res.detail : `HTTP ${res.status}: ${res.detail}`.slice(0, 1024);
    let status: AttemptRecord['status'] = 'succeeded';
    if (!ok) status = gone || last ? 'failed' : 'pending';
    await d.endpoints.logAttempt(endpointId, {
      eventId: id,
      type: event.type,
      attempt,
      status,
      responseStatus: res.status,
      error,
      at: now,
    });
    if (ok) return 'delivered';
    if (gone) {
      await d.endpoints.disable(endpointId);
      d.logger.warn({ endpointId }, 'webhook endpoint answered 410 Gone; disabled');
      throw new UnrecoverableError('endpoint answered 410 Gone');
    }
    throw new WebhookRetry(error ?? 'failed', res.retryAfterMs);
  };
}
