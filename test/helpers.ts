import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Clock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createHerald, type Herald } from '../src/herald.js';
import { dataPrefix } from '../src/keys.js';
import { contractChecker } from './contract.js';

export const TEST_KEY = 'test-key-0123456789abcdef';
export const TEST_SECRET = 'test-secret-0123456789abcdef';

/** The domain's settings for tests that build the service or domain themselves, with `over` on top. */
export const domainSettings = (
  over: { inviteTtl?: number; resendCooldown?: number; inviteRetention?: number } = {},
) => ({
  secret: TEST_SECRET,
  publicUrl: 'http://localhost:3000',
  inviteTtl: 3600,
  inviteRetention: 0,
  approvalTtl: 604800,
  redirectAllowlist: [],
  resendCooldown: 0,
  reminders: [],
  bulkMax: 100,
  ...over,
});
export const PUBLIC_URL = 'http://localhost:3000';
export const auth = { authorization: `Bearer ${TEST_KEY}` };

export const redisUrl = () => inject('redisUrl');
/** Seed nodes of the Redis Cluster this project runs on, or '' on one Redis. */
export const redisCluster = () => inject('redisCluster');

/** A plain client for tests to look at keys with: the cluster's when the project runs on one. */
export function rawRedis(): Redis {
  const nodes = redisCluster();
  if (!nodes) return new Redis(redisUrl());
  const seeds = nodes.split(',').map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) }));
  return new Cluster(seeds) as unknown as Redis;
}

import { scanKeys } from '../src/redis.js';
export { scanKeys };
export const uniquePrefix = () => `t${randomBytes(5).toString('hex')}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or `ms` pass; returns that value. */
export async function waitFor<T>(fn: () => Promise<T> | T, ms = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface Received {
  from: string;
  to: string[];
  raw: string;
  mail: Email;
}

/** What the sink should answer for one message: nothing to accept it, or an SMTP error. */
export type Verdict = { code: number; message: string } | null;

/** A real SMTP server (smtp-server) on loopback that keeps and parses what it receives. */
export async function startSink(
  decide: (to: string[], session: SMTPServerSession) => Verdict | 'drop' = () => null,
  o: { port?: number; delayMs?: number } = {},
) {
  const messages: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 200, // hang up on pooled client connections when the test closes the server
    size: 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        if (o.delayMs) await sleep(o.delayMs);
        const verdict = decide(to, session);
        if (verdict === 'drop') {
          // hang up in the middle of the transaction, as a crashing server would
          for (const c of (
            server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }
          ).connections) {
            if (c.id === session.id) c._socket.destroy();
          }
          return;
        }
        if (verdict) {
          const err = Object.assign(new Error(verdict.message), { responseCode: verdict.code });
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString();
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to,
          raw,
          mail: await PostalMime.parse(raw),
        });
        callback();
      });
    },
  });
  server.on('error', () => {}); // clients killed mid-session (the fault tests do it) reset their sockets
  await new Promise<void>((r) => server.listen(o.port ?? 0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor: (n: number, ms = 20_000) =>
      waitFor(() => messages.length >= n, ms, `${n} messages (have ${messages.length})`),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
export type Sink = Awaited<ReturnType<typeof startSink>>;

export interface TestHerald extends Herald {
  prefix: string;
  /** The prefix of Herald's own keys (`{prefix}`, src/keys.ts). */
  data: string;
  /** REDIS_PARTITIONS and DELIVERY_SHARDS of this Herald (src/keys.ts). */
  partitions: number;
  deliveryShards: number;
  redis: Redis;
  inject: NonNullable<Herald['app']>['inject'];
  /** Closes everything and deletes every key the test made. */
  cleanup(): Promise<void>;
}

/** Builds Herald against the test Redis under a private key prefix, with `env` over the defaults. */
export async function startHerald(
  o: {
    env?: Record<string, string>;
    roles?: { api: boolean; worker: boolean };
    clock?: Clock;
    prefix?: string;
    sink?: Sink;
    heartbeatMs?: number;
    watchdog?: { everyMs: number; stuckAfterMs: number };
  } = {},
): Promise<TestHerald> {
  const prefix = o.prefix ?? uniquePrefix();
  const config = loadConfig({
    REDIS_URL: redisUrl(),
    PUBLIC_URL,
    SEND_BACKOFF: '50',
    SEND_ATTEMPTS: '4',
    EXPIRY_SWEEP_EVERY: '3600000',
    LOG_LEVEL: 'silent',
    OUTBOX_DIR: `/tmp/herald-outbox-${prefix}`,
    ...(redisCluster() ? { REDIS_CLUSTER_NODES: redisCluster() } : {}),
    ...(process.env.HERALD_TEST_PARTITIONS ? { REDIS_PARTITIONS: process.env.HERALD_TEST_PARTITIONS } : {}),
    ...(process.env.HERALD_TEST_SHARDS ? { DELIVERY_SHARDS: process.env.HERALD_TEST_SHARDS } : {}),
    ...(o.sink ? { SMTP_URL: o.sink.url } : {}),
    ...o.env,
  });
  const herald = await createHerald({
    config,
    secret: TEST_SECRET,
    apiKeys: [TEST_KEY],
    roles: o.roles ?? { api: true, worker: false },
    prefix,
    clock: o.clock,
    heartbeatMs: o.heartbeatMs,
    watchdog: o.watchdog,
  });
  const redis = rawRedis();
  const inject = herald.app ? await checkedInject(herald.app) : undefined;
  return {
    ...herald,
    prefix,
    data: dataPrefix(prefix),
    partitions: config.REDIS_PARTITIONS,
    deliveryShards: config.DELIVERY_SHARDS,
    redis,
    inject:
      inject ??
      ((() => {
        throw new Error('no api role');
      }) as never),
    async cleanup() {
      await herald.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

/**
 * app.inject that checks each answer against the app's own OpenAPI document (test/contract.ts):
 * an undocumented status or a body that does not match fails the test that received it.
 */
async function checkedInject(app: NonNullable<Herald['app']>): Promise<TestHerald['inject']> {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const check = contractChecker(doc);
  const inject = app.inject.bind(app);
  return (async (opts: { method?: string; url: string }) => {
    const res = await inject(opts as never);
    const o = opts;
    const problem = check(
      o.method ?? 'GET',
      o.url,
      res.statusCode,
      res.headers['content-type'] as string,
      res.body,
    );
    if (problem) throw new Error(`contract: ${problem}\n${res.body.slice(0, 500)}`);
    return res;
  }) as TestHerald['inject'];
}

/** Deletes every key of one Herald: its data and its queues, whose prefixes all hold its name. */
export async function deleteKeys(redis: Redis, prefix: string) {
  const keys = await scanKeys(redis, `*${prefix}*`);
  // One DEL per key (keys of several slots), many in flight.
  for (let i = 0; i < keys.length; i += 1000)
    await Promise.all(keys.slice(i, i + 1000).map((k) => redis.del(k)));
}

/** POST/GET helpers that send the test key. */
/** One request as a given key (operator or tenant), in a tenant when `tenant` is given. */
export interface KeyCall {
  method: string;
  url: string;
  body?: unknown;
  tenant?: string;
  headers?: Record<string, string>;
}
export const asKey = (h: { inject: TestHerald['inject'] }, key: string, c: KeyCall) =>
  h.inject({
    method: c.method as 'GET',
    url: c.url,
    headers: {
      authorization: `Bearer ${key}`,
      ...(c.body ? { 'content-type': 'application/json' } : {}),
      ...(c.tenant ? { 'herald-tenant': c.tenant } : {}),
      ...c.headers,
    },
    payload: c.body ? JSON.stringify(c.body) : undefined,
  });

export function api(h: { inject: TestHerald['inject'] }) {
  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) => h.inject({ method, url, payload: payload as object, headers: { ...auth, ...headers } });
  return {
    get: (url: string, headers?: Record<string, string>) => call('GET', url, undefined, headers),
    post: (url: string, body?: unknown, headers?: Record<string, string>) => call('POST', url, body, headers),
    patch: (url: string, body?: unknown, headers?: Record<string, string>) =>
      call('PATCH', url, body, headers),
    put: (url: string, body?: unknown, headers?: Record<string, string>) => call('PUT', url, body, headers),
    del: (url: string, headers?: Record<string, string>) => call('DELETE', url, undefined, headers),
  };
}

type Api = ReturnType<typeof api>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Polls GET /v1/invites/:id until `ok` holds; returns that invite. */
export const waitForInvite = (a: Api, id: string, ok: (inv: Json) => boolean, what: string, ms = 20_000) =>
  waitFor(
    async () => {
      const inv = (await a.get(`/v1/invites/${id}`)).json();
      return ok(inv) ? inv : null;
    },
    ms,
    `${what} (${id})`,
  );

/** Polls GET /v1/batches/:id until the batch is done; returns it. */
export const waitForBatch = (a: Api, batchId: string, ms = 60_000) =>
  waitFor(
    async () => {
      const b = (await a.get(`/v1/batches/${batchId}`)).json();
      return b.status === 'done' ? b : null;
    },
    ms,
    `batch ${batchId} done`,
  );

/**
 * A suite's Herald (API and worker) with an SMTP sink and one tenant, started before its tests
 * and removed after: `s.h`, `s.sink`, and `s.op` (a call with the operator key).
 */
/**
 * A Herald for one test file, started before its tests and cleaned up after them: `t.h` once they
 * run, and `t.a`, the API as the test key, usable from the start.
 */
export function withHerald(o?: Parameters<typeof startHerald>[0]) {
  const s = {} as { h: TestHerald };
  beforeAll(async () => {
    s.h = await startHerald(o);
  });
  afterAll(() => s.h?.cleanup());
  const inject = ((...args: unknown[]) =>
    (s.h.inject as (...a: unknown[]) => unknown)(...args)) as unknown as TestHerald['inject'];
  return {
    get h() {
      return s.h;
    },
    a: api({ inject }),
  };
}

export function heraldWithTenant(o: {
  tenant: string;
  decide?: Parameters<typeof startSink>[0];
  env?: Record<string, string>;
}) {
  const s = {} as { h: TestHerald; sink: Sink; op: (c: KeyCall) => ReturnType<typeof asKey> };
  s.op = (c) => asKey(s.h, TEST_KEY, c);
  beforeAll(async () => {
    s.sink = await startSink(o.decide);
    s.h = await startHerald({ sink: s.sink, roles: { api: true, worker: true }, env: o.env });
    await s.op({ method: 'POST', url: '/v1/tenants', body: { id: o.tenant, name: o.tenant } });
  });
  afterAll(async () => {
    await s.h?.cleanup();
    await s.sink?.close();
  });
  return s;
}
