import { z } from 'zod';
import { addressOf, parseDomainRates, resolveDkim, type Dkim } from './mail/settings.js';

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL with scheme ${protocols.join(' or ')}`,
  );

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const schema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()))
    .refine((ns) => ns.every((n) => /^[^\s:/]+:\d{1,5}$/.test(n)), 'must be a comma list of host:port')
    .transform((ns) =>
      ns.map((n) => ({
        host: n.slice(0, n.lastIndexOf(':')),
        port: Number(n.slice(n.lastIndexOf(':') + 1)),
      })),
    )
    .optional(),
  REDIS_PARTITIONS: z.coerce.number().int().min(1).max(64).optional(),
  DELIVERY_SHARDS: z.coerce.number().int().min(1).max(16).optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  OUTBOX_DIR: z.string().min(1).default('./outbox'),
  MAIL_FROM: z
    .string()
    .min(3)
    .refine((v) => !/[\r\n]/.test(v), 'must be one line')
    .default('Herald <invites@localhost>'),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  API_KEYS: csv.optional(),
  INVITE_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  INVITE_TTL: int(604800),
  // Seconds a final invite is kept (DESIGN §18); 0 keeps it forever.
  INVITE_RETENTION: int(7776000),
  // Seconds an invite may wait for approval before the sweep rejects it (DESIGN §17).
  APPROVAL_TTL: int(604800, 1),
  EXPIRY_SWEEP_EVERY: int(60000, 100),
  REDIRECT_ALLOWLIST: csv.optional(),
  RESEND_COOLDOWN: int(60),
  BULK_MAX: int(10000, 1, 1_000_000),
  WORKER_CONCURRENCY: int(20, 1, 1000),
  SMTP_POOL: int(10, 1, 100),
  SEND_ATTEMPTS: int(8, 1, 100),
  SEND_BACKOFF: int(10000, 0),
  // Not in DESIGN §3: seconds a send may stay queued with no job before a sweep queues it again.
  DELIVERY_REPAIR_AFTER: int(300, 1),
  PUBLIC_RATE_LIMIT: int(120, 1),
  // A separate /metrics listener for a private network, in any kind of process (DESIGN §3).
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Unset: the API port does not serve /metrics at all (404).
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Not in DESIGN §3: behind a reverse proxy, rate limits must see the client, not the proxy.
  TRUST_PROXY: z
    .string()
    .transform((v): boolean | number | string => {
      if (v === 'true' || v === 'false') return v === 'true';
      return /^\d+$/.test(v) ? Number(v) : v;
    })
    .default(false),
  WEBHOOK_ATTEMPTS: int(10, 1, 100),
  WEBHOOK_BACKOFF: int(5000, 0),
  WEBHOOK_TIMEOUT: int(15000, 100, 120_000),
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .default(false),
  EVENT_RETENTION: int(604800, 60),
  REMINDERS: z
    .string()
    .regex(/^\d+(,\d+){0,2}$/, 'must be up to 3 comma-separated delays in seconds')
    .transform((v) => v.split(',').map(Number))
    .refine(
      (ds) => ds.every((d, i) => d >= 1 && (i === 0 || d > ds[i - 1])),
      'delays must be at least 1 and increase',
    )
    .optional(),
  BOUNCE_ADDRESS: z.email({ message: 'must be an e-mail address' }).optional(),
  BOUNCE_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SEND_RATE: z.coerce.number().min(0).default(0),
  DOMAIN_RATES: z.string().max(5000).optional(),
  DKIM_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/i, 'must be a domain name')
    .optional(),
  DKIM_SELECTOR: z
    .string()
    .regex(/^[a-z0-9._-]+$/i, 'must be a DNS label')
    .optional(),
  DKIM_PRIVATE_KEY: z.string().optional(),
  SENDER_DOMAINS: csv.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Raw = z.infer<typeof schema>;

export interface Config extends Omit<
  Raw,
  | 'PUBLIC_URL'
  | 'REDIRECT_ALLOWLIST'
  | 'REDIS_URL'
  | 'BOUNCE_ADDRESS'
  | 'DOMAIN_RATES'
  | 'REDIS_PARTITIONS'
  | 'DELIVERY_SHARDS'
  | 'SENDER_DOMAINS'
> {
  REDIS_URL: string;
  /** How many partitions invites are spread over (16 on a cluster, 1 on one Redis, unless set). */
  REDIS_PARTITIONS: number;
  /** How many delivery queues share the jobs, each its own hash tag (4 on a cluster, else 1). */
  DELIVERY_SHARDS: number;
  /** True when REDIS_URL was not given, so `npm start` may start a private redis-server. */
  REDIS_URL_DEFAULTED: boolean;
  PUBLIC_URL: string;
  /** Allowed redirect origins, normalised with `new URL().origin`. */
  REDIRECT_ALLOWLIST: string[];
  /** Envelope sender for VERP (MAIL_FROM's address unless given). */
  BOUNCE_ADDRESS: string;
  /** Messages per second per recipient domain (`*` for the rest); empty = no limit. */
  DOMAIN_RATES: Record<string, number>;
  /** DKIM signing, when all three DKIM_ settings are given. */
  dkim: Dkim | null;
  /** Domains a tenant's branding may send from (DESIGN §16), lowercase; MAIL_FROM's unless given. */
  SENDER_DOMAINS: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment once; throws ConfigError listing every bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as they do in most process managers' env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const raw = parsed.data;
  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, '');
  const problems: string[] = [];
  const allow = (raw.REDIRECT_ALLOWLIST ?? [publicUrl]).map((o) => {
    try {
      return new URL(o).origin;
    } catch {
      problems.push(`REDIRECT_ALLOWLIST: "${o}" is not an origin`);
      return '';
    }
  });
  const domainRates = raw.DOMAIN_RATES ? parseDomainRates(raw.DOMAIN_RATES, problems) : {};
  const dkim = resolveDkim(raw.DKIM_DOMAIN, raw.DKIM_SELECTOR, raw.DKIM_PRIVATE_KEY, problems);
  const bounce = raw.BOUNCE_ADDRESS ?? addressOf(raw.MAIL_FROM);
  if (!/^[^@\s]+@[^@\s]+$/.test(bounce))
    problems.push(`BOUNCE_ADDRESS: "${bounce}" is not an address (set BOUNCE_ADDRESS)`);
  const senders = (raw.SENDER_DOMAINS ?? [addressOf(raw.MAIL_FROM).split('@')[1] ?? '']).map((d) =>
    d.toLowerCase(),
  );
  for (const d of senders)
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(d)) problems.push(`SENDER_DOMAINS: "${d}" is not a domain name`);
  if (problems.length) throw new ConfigError(problems);
  return {
    ...raw,
    REDIS_URL: raw.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_URL_DEFAULTED: raw.REDIS_URL === undefined,
    // A cluster gets invites spread over 16 partitions unless told otherwise; one Redis, one.
    REDIS_PARTITIONS: raw.REDIS_PARTITIONS ?? (raw.REDIS_CLUSTER_NODES ? 16 : 1),
    // Likewise the delivery queue: one on one Redis, four shards on a cluster.
    DELIVERY_SHARDS: raw.DELIVERY_SHARDS ?? (raw.REDIS_CLUSTER_NODES ? 4 : 1),
    PUBLIC_URL: publicUrl,
    REDIRECT_ALLOWLIST: allow,
    BOUNCE_ADDRESS: bounce,
    DOMAIN_RATES: domainRates,
    dkim,
    SENDER_DOMAINS: senders,
  };
}
