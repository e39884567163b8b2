import { Redis } from 'ioredis';
import { pathToFileURL } from 'node:url';
import { dataPrefix, migratedKey } from './keys.js';

/** Every key matching `pattern` (SCAN, so a large Redis is not blocked). */
async function* scan(redis: Redis, pattern: string) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    yield* keys;
  } while (cursor !== '0');
}

/**
 * Moves a single Redis from the layout before hash tags ("herald:…") to the current one
 * ("{herald}:…", src/keys.ts) by renaming every key; run once with every Herald process stopped.
 * A key whose new name is taken is left in place and reported, so nothing is overwritten. Then
 * drops the status indexes that lists no longer use (src/invites/layout.ts).
 */
export async function migrateKeys(redis: Redis, name = 'herald') {
  let moved = 0;
  let dropped = 0;
  const kept: string[] = [];
  for await (const key of scan(redis, `${name}:*`)) {
    const to = migratedKey(name, key);
    if (!to) continue;
    if (await redis.renamenx(key, to)) moved++;
    else kept.push(key);
  }
  for await (const key of scan(redis, `${dataPrefix(name)}:x:status:*`)) dropped += await redis.unlink(key);
  return { moved, kept, dropped };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const { moved, kept, dropped } = await migrateKeys(redis);
  console.log(`moved ${moved} keys to the hash-tagged layout; dropped ${dropped} indexes no longer used`);
  if (kept.length) console.log(`left ${kept.length} whose new name exists already, e.g. ${kept[0]}`);
  await redis.quit();
  process.exitCode = kept.length ? 1 : 0;
}
