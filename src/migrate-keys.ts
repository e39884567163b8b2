import { Redis } from 'ioredis';
import { pathToFileURL } from 'node:url';
import { migratedKey } from './keys.js';

/**
 * Moves a single Redis from the layout before hash tags ("herald:…") to the current one
 * ("{herald}:…", src/keys.ts) by renaming every key; run once with every Herald process stopped.
 * A key whose new name is taken is left in place and reported, so nothing is overwritten.
 */
export async function migrateKeys(redis: Redis, name = 'herald') {
  let cursor = '0';
  let moved = 0;
  const kept: string[] = [];
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const to = migratedKey(name, key);
      if (!to) continue;
      if (await redis.renamenx(key, to)) moved++;
      else kept.push(key);
    }
  } while (cursor !== '0');
  return { moved, kept };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const { moved, kept } = await migrateKeys(redis);
  console.log(`moved ${moved} keys to the hash-tagged layout`);
  if (kept.length) console.log(`left ${kept.length} whose new name exists already, e.g. ${kept[0]}`);
  await redis.quit();
  process.exitCode = kept.length ? 1 : 0;
}
