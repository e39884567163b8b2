import { z } from 'zod';

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL with scheme ${protocols.join(' or ')}`);

const csv = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const schema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  OUTBOX_DIR: z.string().min(1).default('./outbox'),
  MAIL_FROM: z.string().min(3).refine((v) => !/[\r\n]/.test(v), 'must be one line').default('Herald <invites@localhost>'),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  API_KEYS: csv.optional(),
  INVITE_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  INVITE_TTL: int(604800),
  EXPIRY_SWEEP_EVERY: int(60000, 100),
  REDIRECT_ALLOWLIST: csv.optional(),
  RESEND_COOLDOWN: int(60),
  BULK_MAX: int(10000, 1, 1_000_000),
  WORKER_CONCURRENCY: int(20, 1, 1000),
  SMTP_POOL: int(10, 1, 100),
  SEND_ATTEMPTS: int(8, 1, 100),
  SEND_BACKOFF: int(10000, 0),
  PUBLIC_RATE_LIMIT: int(120, 1),
  // Not in DESIGN §3: where a worker-only process serves /metrics (unset: nowhere).
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Not in DESIGN §3: behind a reverse proxy, rate limits must see the client, not the proxy.
  TRUST_PROXY: z
    .string()
    .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v))
    .default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Raw = z.infer<typeof schema>;

export interface Config extends Omit<Raw, 'PUBLIC_URL' | 'REDIRECT_ALLOWLIST' | 'REDIS_URL'> {
  REDIS_URL: string;
  /** True when REDIS_URL was not given, so `npm start` may start a private redis-server. */
  REDIS_URL_DEFAULTED: boolean;
  PUBLIC_URL: string;
  /** Allowed redirect origins, normalised with `new URL().origin`. */
  REDIRECT_ALLOWLIST: string[];
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
  if (problems.length) throw new ConfigError(problems);
  return {
    ...raw,
    REDIS_URL: raw.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_URL_DEFAULTED: raw.REDIS_URL === undefined,
    PUBLIC_URL: publicUrl,
    REDIRECT_ALLOWLIST: allow,
  };
}
