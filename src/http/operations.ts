import type { FastifyInstance, RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorSchema } from './schemas.js';
import type { Scope } from '../access/scopes.js';

interface Operation {
  id: string;
  summary: string;
  /** Statuses other than the success one this operation can answer (each with the error body). */
  errors: number[];
  /** The success status when it has no body (204), or a bodyless 202. */
  empty?: number;
  public?: boolean;
  description?: string;
}

// Every admin operation can meet bad input, a bad key, a missing scope (403), a Herald-Tenant
// naming no tenant (404), a large or unknown body, a rate limit, and a Redis that is away (503);
// those naming something by id also 414 for an id too long.
const ADMIN = [400, 401, 403, 404, 413, 415, 429, 503];
const BY_ID = [...ADMIN, 414];

/**
 * Every documented operation: its stable operationId, summary and the statuses it can answer.
 * Applied to the route's schema when the route is added, so the OpenAPI document lists them; a
 * documented route missing from this table stops the start (and so fails every test).
 */
export const OPERATIONS: Record<string, Operation> = {
  'GET /healthz': { id: 'getHealth', summary: 'Process is up', errors: [], public: true },
  'GET /readyz': {
    id: 'getReadiness',
    summary: 'Redis reachable and workers consuming',
    errors: [503],
    public: true,
  },
  'GET /metrics': {
    id: 'getMetrics',
    summary: 'Prometheus metrics',
    errors: [401, 404],
    public: true,
    description:
      'Private: answers only `Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN it is 404 here and served on METRICS_PORT only.',
  },
  'GET /v1/public/invites/{code}': {
    id: 'getPublicInvite',
    summary: 'What an invite code grants (no key needed)',
    errors: [400, 404, 414, 429, 503],
    public: true,
  },
  'GET /v1/public/invites/{code}/validate': {
    id: 'validateInviteCode',
    summary: 'Whether an invite code can be accepted (no key needed)',
    errors: [400, 414, 429, 503],
    public: true,
  },
  'POST /v1/invites': {
    id: 'createInvite',
    summary: 'Create one invite, or up to 100 open invites with count',
    errors: [...ADMIN, 409, 422],
    description:
      'An `Idempotency-Key` header replays the first answer for 24 h; the same key with another body is 422.',
  },
  'POST /v1/invites/send': {
    id: 'sendBulkInvites',
    summary: 'Invite many addresses at once (JSON or text/csv)',
    errors: [...ADMIN, 409, 422],
    description:
      'With `Content-Type: text/csv`, shared fields come from the query; bad rows answer 400 `invalid_rows`.',
  },
  'GET /v1/batches/{id}': { id: 'getBatch', summary: 'Progress of a bulk send', errors: BY_ID },
  'GET /v1/invites': {
    id: 'listInvites',
    summary: 'List invites with filters, sort and cursor',
    errors: ADMIN,
  },
  'GET /v1/invites/{id}': { id: 'getInvite', summary: 'One invite by id or code', errors: BY_ID },
  'PATCH /v1/invites/{id}': {
    id: 'updateInvite',
    summary: 'Change a pending invite',
    errors: [...BY_ID, 409],
  },
  'DELETE /v1/invites/{id}': {
    id: 'deleteInvite',
    summary: 'Remove an invite',
    errors: [...BY_ID, 409],
    empty: 204,
  },
  'POST /v1/invites/{id}/resend': {
    id: 'resendInvite',
    summary: 'Send an invite again',
    errors: [...BY_ID, 409],
  },
  'POST /v1/invites/{id}/cancel': {
    id: 'cancelInvite',
    summary: 'Revoke an invite',
    errors: [...BY_ID, 409],
  },
  'GET /v1/invites/{id}/events': {
    id: 'listInviteEvents',
    summary: 'Audit trail of one invite',
    errors: BY_ID,
  },
  'POST /v1/invites/{id}/accept': {
    id: 'acceptInvite',
    summary: 'Accept an invite for a user',
    errors: [...BY_ID, 403, 409],
  },
  'POST /v1/invites/{id}/decline': {
    id: 'declineInvite',
    summary: 'Decline an invite',
    errors: [...BY_ID, 409],
  },
  'POST /v1/invites/{id}/approve': {
    id: 'approveInvite',
    summary: 'Approve an invite waiting for approval: it becomes pending and its first send goes out',
    errors: [...BY_ID, 409],
  },
  'POST /v1/invites/{id}/reject': {
    id: 'rejectInvite',
    summary: 'Reject an invite waiting for approval (final)',
    errors: [...BY_ID, 409],
  },
  'POST /v1/batches/{id}/approve': {
    id: 'approveBatch',
    summary: 'Approve every invite of a batch still waiting',
    errors: BY_ID,
  },
  'POST /v1/batches/{id}/reject': {
    id: 'rejectBatch',
    summary: 'Reject every invite of a batch still waiting',
    errors: BY_ID,
  },
  'POST /v1/sweeps/expire': { id: 'runExpirySweep', summary: 'Run an expiry sweep now', errors: ADMIN },
  'GET /v1/events': { id: 'listEvents', summary: 'The event feed, oldest first', errors: ADMIN },
  'POST /v1/webhooks': { id: 'createWebhook', summary: 'Register a webhook endpoint', errors: ADMIN },
  'GET /v1/webhooks': { id: 'listWebhooks', summary: 'List webhook endpoints', errors: ADMIN },
  'GET /v1/webhooks/{id}': { id: 'getWebhook', summary: 'One webhook endpoint', errors: BY_ID },
  'PATCH /v1/webhooks/{id}': { id: 'updateWebhook', summary: 'Change a webhook endpoint', errors: BY_ID },
  'DELETE /v1/webhooks/{id}': {
    id: 'deleteWebhook',
    summary: 'Remove a webhook endpoint',
    errors: BY_ID,
    empty: 204,
  },
  'POST /v1/webhooks/{id}/rotate': {
    id: 'rotateWebhookSecret',
    summary: 'Rotate the signing secret',
    errors: BY_ID,
  },
  'POST /v1/webhooks/{id}/test': {
    id: 'testWebhook',
    summary: 'Send a webhook.test event to this endpoint',
    errors: BY_ID,
  },
  'GET /v1/webhooks/{id}/deliveries': {
    id: 'listWebhookDeliveries',
    summary: 'Delivery attempts, newest first',
    errors: BY_ID,
  },
  'POST /v1/webhooks/{id}/redeliver': {
    id: 'redeliverWebhook',
    summary: 'Deliver an event again',
    errors: BY_ID,
  },
  'GET /v1/stats': { id: 'getStats', summary: 'Funnel totals, series and rates', errors: ADMIN },
  'PUT /v1/suppressions/{email}': {
    id: 'putSuppression',
    summary: 'Suppress an address',
    errors: [...ADMIN, 414],
  },
  'GET /v1/suppressions': {
    id: 'listSuppressions',
    summary: 'The suppression list, newest first',
    errors: ADMIN,
  },
  'GET /v1/suppressions/{email}': { id: 'getSuppression', summary: 'One suppressed address', errors: BY_ID },
  'DELETE /v1/suppressions/{email}': {
    id: 'deleteSuppression',
    summary: 'Mail an address again',
    errors: BY_ID,
    empty: 204,
  },
  'POST /v1/bounces': {
    id: 'postBounceReport',
    summary: 'A bounce report (DSN) forwarded over HTTP',
    errors: ADMIN,
  },
  'GET /v1/branding': { id: 'getBranding', summary: 'The tenant’s branding', errors: ADMIN },
  'PUT /v1/branding': {
    id: 'putBranding',
    summary: 'Replace the tenant’s branding (fields left out fall back to Herald’s)',
    errors: [...ADMIN, 422],
  },
  'GET /v1/templates': {
    id: 'listTemplates',
    summary: 'Every kind and locale of e-mail with its published and latest version',
    errors: ADMIN,
  },
  'PUT /v1/templates/{kind}/{locale}': {
    id: 'putTemplateDraft',
    summary: 'Store a new draft version of a template (validated)',
    errors: [...ADMIN, 422],
  },
  'GET /v1/templates/{kind}/{locale}/versions/{n}': {
    id: 'getTemplateVersion',
    summary: 'One version of a template (0: the files)',
    errors: ADMIN,
  },
  'POST /v1/templates/{kind}/{locale}/preview': {
    id: 'previewTemplate',
    summary: 'Render a version for an invite or sample data',
    errors: ADMIN,
  },
  'POST /v1/templates/{kind}/{locale}/test': {
    id: 'testTemplate',
    summary: 'Send one test message of a version ([TEST] subject; 20 per tenant per hour)',
    errors: ADMIN,
  },
  'POST /v1/templates/{kind}/{locale}/versions/{n}/publish': {
    id: 'publishTemplate',
    summary: 'Publish a version: messages rendered from now on use it (an older one rolls back)',
    errors: ADMIN,
  },
  'GET /v1/policy': { id: 'getPolicy', summary: 'Who may be invited: the invite policy', errors: ADMIN },
  'PUT /v1/policy': {
    id: 'putPolicy',
    summary: 'Replace the invite policy (fields left out take their defaults)',
    errors: ADMIN,
  },
  'POST /v1/invites/check': {
    id: 'checkInviteAddresses',
    summary: 'A dry run of the invite policy: which addresses it allows, and which are suppressed',
    errors: ADMIN,
  },
  'POST /v1/keys': {
    id: 'createKey',
    summary: 'Create an API key with scopes (its secret is shown only in this answer)',
    errors: ADMIN,
  },
  'GET /v1/keys': {
    id: 'listKeys',
    summary: "The tenant's API keys (never their secrets)",
    errors: ADMIN,
  },
  'GET /v1/keys/self': { id: 'getOwnKey', summary: 'The key making this request', errors: ADMIN },
  'DELETE /v1/keys/{id}': {
    id: 'revokeKey',
    summary: 'Revoke a key: every API process refuses it within 1 s',
    errors: BY_ID,
    empty: 204,
  },
  'POST /v1/tenants': {
    id: 'createTenant',
    summary: 'Create a tenant (operator keys only)',
    errors: [...ADMIN, 409],
  },
  'GET /v1/tenants': { id: 'listTenants', summary: 'Every tenant (operator keys only)', errors: ADMIN },
  'GET /v1/tenants/{id}': { id: 'getTenant', summary: 'One tenant (operator keys only)', errors: BY_ID },
  'PATCH /v1/tenants/{id}': {
    id: 'renameTenant',
    summary: 'Rename a tenant (operator keys only)',
    errors: BY_ID,
  },
  'DELETE /v1/tenants/{id}': {
    id: 'deleteTenant',
    summary: 'Delete a tenant: its keys stop at once and a job removes its invites (operator keys only)',
    errors: [...BY_ID, 409],
  },
  'POST /v1/erasures': {
    id: 'eraseSubject',
    summary: 'Erase an e-mail address from everything Herald keeps',
    errors: ADMIN,
    description:
      'Removes every invite naming the address and the address from the feed, webhook logs, batches, jobs and idempotency replays; a suppression of it is kept as a digest only. Idempotent: again, the same id and what was left.',
  },
};

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input; `details` names the fields',
  401: 'No valid API key',
  403: 'Refused',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  414: 'A path parameter is too long',
  415: 'Unsupported content type',
  422: 'Idempotency-Key reused with another body',
  429: 'Rate-limited; see Retry-After',
  503: 'Redis is unreachable (or, for /readyz, no worker is consuming)',
};

/**
 * The scope a key needs for an operation (DESIGN §15), by what it touches; public operations
 * need none, and GET /v1/keys/self only a valid key. A route a rule does not cover stops the start.
 */
export function scopeOf(method: string, path: string): Scope | 'operator' | null {
  if (path === '/v1/keys/self') return null;
  if (path.startsWith('/v1/tenants')) return 'operator';
  const rules: [RegExp, Scope | ((m: string) => Scope)][] = [
    [/^\/v1\/webhooks/, 'webhooks:manage'],
    [/^\/v1\/(suppressions|bounces)/, 'suppressions:manage'],
    [/^\/v1\/events$/, 'events:read'],
    [/^\/v1\/policy$/, 'policy:manage'],
    [/^\/v1\/(branding|templates)/, 'templates:manage'],
    [/^\/v1\/keys/, 'keys:manage'],
    [/^\/v1\/invites(\/send)?$/, (m) => (m === 'GET' ? 'invites:read' : 'invites:propose')],
    [/^\/v1\/invites\/check$/, 'invites:read'],
    [
      /^\/v1\/(invites|batches|stats|sweeps|erasures)/,
      (m) => (m === 'GET' ? 'invites:read' : 'invites:write'),
    ],
  ];
  for (const [pattern, scope] of rules)
    if (pattern.test(path)) return typeof scope === 'function' ? scope(method) : scope;
  throw new Error(`${method} ${path} needs a scope in src/http/operations.ts's scopeOf`);
}

/** The OpenAPI path of a Fastify route (`/v1/invites/:id` → `/v1/invites/{id}`). */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/** Adds the catalog's operationId, summary, error responses and security to each route's schema. */
export function documentRoutes(app: FastifyInstance) {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    // Pages (landing, console, the queue board) are not part of the API.
    if (
      route.url.startsWith('/console') ||
      schema.hide ||
      route.method === 'HEAD' ||
      (Array.isArray(route.method) && route.method.includes('HEAD'))
    )
      return;
    const key = `${String(route.method)} ${openApiPath(route.url)}`;
    const op = OPERATIONS[key];
    if (!op) throw new Error(`${key} is not in src/http/operations.ts: document it there`);
    const responses = { ...((schema.response as Record<string, unknown>) ?? {}) };
    if (op.empty) {
      delete responses[200];
      responses[op.empty] = z.null().describe('No content');
    }
    for (const status of op.errors) {
      responses[status] ??= errorSchema.describe(DESCRIPTIONS[status] ?? 'Error');
    }
    const scope = op.public ? null : scopeOf(String(route.method), openApiPath(route.url));
    if (scope) route.config = { ...(route.config ?? {}), scope };
    route.schema = {
      ...schema,
      ...(scope ? { 'x-required-scope': scope } : {}),
      operationId: op.id,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(op.public ? { security: [] } : {}),
      response: responses,
    } as RouteOptions['schema'];
  });
}

/**
 * Zod's JSON schemas for the document, with 204s as responses without content (`type: null`
 * is how fastify-swagger writes those).
 */
export const documentTransform: typeof jsonSchemaTransform = (input) => {
  const out = jsonSchemaTransform(input);
  const response = (out.schema as { response?: Record<string, unknown> } | undefined)?.response;
  if (response?.[204]) response[204] = { type: 'null', description: 'No content' };
  return out;
};
