import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './api.js';

export type { paths } from './api.js';

/** An answer other than 2xx, with Herald's stable error `code` and the fields in `details`. */
export class HeraldApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[],
    readonly retryAfter: number | null,
  ) {
    super(message);
    this.name = 'HeraldApiError';
  }
}

export interface HeraldClientOptions {
  /** Where Herald listens, e.g. https://invites.example.com */
  baseUrl: string;
  apiKey: string;
  /** A fetch of your own (tests, proxies); the global one otherwise. */
  fetch?: typeof fetch;
}

/**
 * A typed client for Herald's API, generated from its OpenAPI document (openapi-typescript types,
 * openapi-fetch calls). Every call answers `{ data }` typed by the operation, or throws
 * HeraldApiError. Pass an Idempotency-Key in `headers` on the create routes.
 *
 *   const herald = createHeraldClient({ baseUrl, apiKey });
 *   const { data } = await herald.POST('/v1/invites', { body: { email: 'ada@example.com' } });
 */
export function createHeraldClient(o: HeraldClientOptions) {
  const client = createClient<paths>({
    baseUrl: o.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${o.apiKey}` },
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  const errors: Middleware = {
    async onResponse({ response }) {
      if (response.ok) return undefined;
      const body = (await response
        .clone()
        .json()
        .catch(() => null)) as { error?: { code: string; message: string; details?: unknown[] } } | null;
      const retry = response.headers.get('retry-after');
      throw new HeraldApiError(
        response.status,
        body?.error?.code ?? `http_${response.status}`,
        body?.error?.message ?? `Herald answered ${response.status}.`,
        body?.error?.details ?? [],
        retry === null ? null : Number(retry),
      );
    },
  };
  client.use(errors);
  return client;
}
export type HeraldClient = ReturnType<typeof createHeraldClient>;
