import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createHerald } from './herald.js';
import { redisAnswers, startLocalRedis } from './local-redis.js';
import { generatedApiKey, localSecret } from './secrets.js';

// Entry point: `tsx src/main.ts [api|worker]`; with no argument it runs both in one process.
const role = process.argv[2] ?? 'all';
if (!['api', 'worker', 'all'].includes(role)) {
  console.error(`Unknown role "${role}": use api, worker, or nothing for both.`);
  process.exit(2);
}

function fail(line: string): never {
  console.error(line);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}

/** With REDIS_URL unset and nothing on 127.0.0.1:6379, starts a private redis-server. */
async function ensureRedis(c: Config): Promise<(() => void) | null> {
  // A given REDIS_URL (maybe TLS, maybe remote) is left to the client, which says if it fails.
  if (c.REDIS_CLUSTER_NODES || !c.REDIS_URL_DEFAULTED || (await redisAnswers('127.0.0.1', 6379))) return null;
  const local = await startLocalRedis(6379);
  if (local) {
    console.log('Started a private redis-server on 127.0.0.1:6379 (data in .herald/redis).');
    return local.stop;
  }
  fail(
    `No Redis answers at ${c.REDIS_URL}: install it (apt-get install redis-server, or docker compose up redis) or set REDIS_URL.`,
  );
}

function apiKeys(c: Config): string[] {
  if (c.API_KEYS?.length) return c.API_KEYS;
  const file = '.herald/api-key';
  if (existsSync(file)) {
    console.log(`API_KEYS is unset: using the key stored in ${file}.`);
    return [readFileSync(file, 'utf8').trim()];
  }
  const key = generatedApiKey();
  mkdirSync('.herald', { recursive: true });
  writeFileSync(file, key, { mode: 0o600 });
  console.log(`API_KEYS is unset: generated an API key (kept in ${file}, shown once):\n\n  ${key}\n`);
  return [key];
}

const stopRedis = await ensureRedis(config);
const redisWhere = config.REDIS_CLUSTER_NODES
  ? `REDIS_CLUSTER_NODES ${config.REDIS_CLUSTER_NODES.map((n) => `${n.host}:${n.port}`).join(',')}`
  : `REDIS_URL ${config.REDIS_URL}`;
const herald = await createHerald({
  config,
  secret: config.INVITE_SECRET ?? localSecret(),
  apiKeys: role === 'worker' ? [] : apiKeys(config),
  roles: { api: role !== 'worker', worker: role !== 'api' },
}).catch((err: Error) =>
  fail(
    `Herald could not start: ${err.message}${/Redis|ECONNREFUSED/.test(err.message) ? ` (${redisWhere})` : ''}`,
  ),
);

// Handlers first: whoever reads the lines below may signal at once, and a SIGTERM before they
// exist ends the process unclosed (a CI run: a test's SIGTERM right after "Herald API on", exit by
// the signal instead of 0).
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing active jobs and requests…`);
  const force = setTimeout(() => fail('Shutdown took over 30 s; exiting.'), 30_000);
  force.unref();
  await herald.close().catch((err: Error) => console.error(`During shutdown: ${err.message}`));
  stopRedis?.();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

if (herald.app) {
  await herald.app.listen({ port: config.PORT, host: config.HOST });
  console.log(
    `Herald API on http://${config.HOST}:${config.PORT} (links use ${config.PUBLIC_URL}); docs at /docs.`,
  );
}
if (herald.workers)
  console.log(
    `Herald workers running${config.SMTP_URL ? '' : `; mail goes to ${config.OUTBOX_DIR} as .eml files`}.`,
  );
