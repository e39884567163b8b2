import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { HeraldError } from '../errors.js';
import type { Logger } from '../logger.js';

// Redis away, full (`noeviction` refuses writes with OOM), a replica (READONLY), or a cluster
// between two slot maps (a master failing over, slots moving): a moment's 503 with Retry-After,
// never a 500.
const REDIS_DOWN = new RegExp(
  [
    "enableOfflineQueue|Connection is closed|Command timed out|ECONNREFUSED|MaxRetriesPerRequest|Reached the max retries|Stream isn't writeable|connect ETIMEDOUT",
    "^(OOM|MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|READONLY|MASTERDOWN) |Too many Cluster redirections|Cluster isn't ready|Failed to refresh slots cache|None of startup nodes",
  ].join('|'),
  'i',
);

const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'The body is over the 1 MiB limit.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_request', 'Content-Length does not match the body.'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long', 'A path parameter is longer than any id or code.'],
  FST_ERR_BAD_URL: [400, 'bad_url', 'The URL is not validly encoded.'],
};

export function errorBody(code: string, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}

/** Maps any error to DESIGN §5's JSON shape; only true faults become 5xx. */
export function toHttpError(err: FastifyError | Error): {
  status: number;
  body: ReturnType<typeof errorBody>;
  headers: Record<string, string>;
} {
  if (err instanceof HeraldError)
    return { status: err.status, body: errorBody(err.code, err.message, err.details), headers: err.headers };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'body';
    const details = err.validation.map((v) => {
      const issue = (v.params as { issue?: { path?: (string | number)[]; keys?: string[] } })?.issue;
      const path = [
        ...(issue?.path ?? v.instancePath.split('/').filter(Boolean)),
        ...(issue?.keys?.length ? [issue.keys.join(',')] : []),
      ];
      const field = [where === 'body' ? '' : where, ...path].filter((p) => p !== '').join('.') || where;
      return { field, message: v.message ?? 'is invalid' };
    });
    return {
      status: 400,
      body: errorBody(
        'validation_failed',
        details.map((d) => `${d.field}: ${d.message}`).join('; '),
        details,
      ),
      headers: {},
    };
  }
  const f = err as FastifyError;
  const known = f.code ? FASTIFY_CODES[f.code] : undefined;
  if (known) return { status: known[0], body: errorBody(known[1], known[2]), headers: {} };
  if (f.statusCode === 429) {
    const message = (f as unknown as { error?: { message?: string } }).error?.message ?? 'Too many requests.';
    return { status: 429, body: errorBody('rate_limited', message), headers: {} };
  }
  // A MULTI that Redis discarded (EXECABORT) carries the reasons of its commands.
  const causes = (err as { previousErrors?: Error[] }).previousErrors ?? [];
  if (
    REDIS_DOWN.test(f.message ?? '') ||
    f.name === 'MaxRetriesPerRequestError' ||
    causes.some((c) => REDIS_DOWN.test(c.message ?? ''))
  ) {
    return {
      status: 503,
      body: errorBody('unavailable', 'The store is unreachable; try again shortly.'),
      headers: { 'retry-after': '1' },
    };
  }
  if (f.statusCode && f.statusCode >= 400 && f.statusCode < 500) {
    const code = (f.code ?? 'bad_request').replace(/^FST_ERR_/, '').toLowerCase();
    return { status: f.statusCode, body: errorBody(code, f.message), headers: {} };
  }
  return { status: 500, body: errorBody('internal_error', 'Something went wrong on our side.'), headers: {} };
}

/** Fastify's error handler: the mapped error, and a log line (with the request id) for a 5xx. */
export function errorHandler(logger: Logger) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body, headers } = toHttpError(err);
    if (status === 503) logger.warn({ reqId: req.id, err: err.message }, 'store unavailable');
    else if (status >= 500) logger.error({ reqId: req.id, err }, 'request failed');
    return reply.code(status).headers(headers).send(body);
  };
}
