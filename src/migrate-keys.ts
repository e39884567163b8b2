import { Redis } from 'ioredis';
import { pathToFileURL } from 'node:url';
import { createStore } from './invites/store.js';
import { dataKeys, dataPrefix, migratedKey, partitionPrefixes } from './keys.js';
import { apiRedis } from './redis.js';

/** Every key matching `pattern` (SCAN, so a large Redis is not blocked; on a cluster, every master). */
async function* scan(redis: Redis, pattern: string) {
  const nodes =
    'nodes' in redis ? (redis as unknown as { nodes(r: string): Redis[] }).nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      yield* keys;
    } while (cursor !== '0');
  }
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

/**
 * Moves every partition from the sorted-set indexes of the older layout to the ordered indexes
 * (src/invites/lua/index.lua), 500 invites per script call, then removes the older per-value
 * indexes and uniqueness keys. Safe to run again; run it with every Herald process stopped.
 */
export async function rebuildIndexes(redis: Redis, name = 'herald') {
  const D = dataPrefix(name);
  const count = Number((await redis.get(dataKeys(D).partitions)) ?? 1);
  const store = createStore(redis, D, count);
  let dropped = 0;
  const parts = partitionPrefixes(D, count);
  for (let p = 0; p < count; p++) {
    while ((await store.reindex(p, 500)) > 0);
    for (const pattern of [`${parts[p]}:x:*`, `${parts[p]}:uniq:*`]) {
      for await (const key of scan(redis, pattern)) dropped += await redis.unlink(key);
    }
  }
  return { partitions: count, dropped };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const nodes = process.env.REDIS_CLUSTER_NODES;
  const redis = nodes
    ? apiRedis({
        url: '',
        cluster: nodes.split(',').map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) })),
      })
    : new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (nodes) await new Promise((resolve) => redis.once('ready', resolve));
  let failed = false;
  if (!nodes) {
    // A cluster was never in the layout before hash tags.
    const { moved, kept, dropped } = await migrateKeys(redis);
    console.log(`moved ${moved} keys to the hash-tagged layout; dropped ${dropped} indexes no longer used`);
    if (kept.length) console.log(`left ${kept.length} whose new name exists already, e.g. ${kept[0]}`);
    failed = kept.length > 0;
  }
  const rebuilt = await rebuildIndexes(redis);
  console.log(
    `rebuilt the indexes of ${rebuilt.partitions} partition(s); removed ${rebuilt.dropped} older index keys`,
  );
  await redis.quit();
  process.exitCode = failed ? 1 : 0;
}
