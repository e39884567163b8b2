/*
 * Every key prefix Herald uses in Redis comes from here, from one name ("herald"; tests give each
 * run its own). On a Redis Cluster a Lua script or a MULTI may only touch keys of one hash slot,
 * and BullMQ keeps each queue's keys in one slot, so each prefix carries a hash tag ({…}):
 *
 *   {NAME}:…              Herald's own keys (invites, indexes, events, stats, suppressions,
 *                         webhooks, sessions, rate limits, idempotency): one slot, so every
 *                         script and transaction over them is legal on a cluster
 *   {NAME:d}:delivery:…   BullMQ's delivery queue (create, send, resend, reminder jobs)
 *   {NAME:m}:maintenance:…  BullMQ's maintenance queue (expiry sweeps)
 *   {NAME:w:ID}:webhook.ID:…  one webhook queue per endpoint, each its own tag
 *
 * Different tags land in different slots, so on a cluster the queues and the data spread over
 * the masters; on one Redis the tags are just part of the names.
 */

/** The prefix of Herald's own keys: `{name}`. */
export const dataPrefix = (name: string) => `{${name}}`;

/** BullMQ's prefix for one queue family; webhook queues get one tag per endpoint. */
export const queuePrefix = (name: string, family: 'delivery' | 'maintenance' | 'webhook', id?: string) =>
  family === 'webhook' ? `{${name}:w:${id}}` : `{${name}:${family[0]}}`;

/** Where a key of the layout before hash tags ("herald:…") lives now; null for keys not Herald's. */
export function migratedKey(name: string, key: string): string | null {
  if (!key.startsWith(`${name}:`)) return null;
  const rest = key.slice(name.length + 1);
  const queue = /^q:(delivery|maintenance|webhook\.([^:]+)):/.exec(rest);
  if (!queue) return `${dataPrefix(name)}:${rest}`;
  const [, family, endpoint] = queue;
  const tag = endpoint ? queuePrefix(name, 'webhook', endpoint) : queuePrefix(name, family as 'delivery');
  return `${tag}:${rest.slice(2)}`;
}

/** Keys that only the layout before hash tags has: their presence means a migration is due. */
const LEGACY = ['z:created', 'events', 'q:delivery:meta', 'q:maintenance:meta', 'whk'];

/** Refuses to start over data in the older layout, naming the command that moves it. */
export async function refuseLegacyLayout(redis: { exists(key: string): Promise<number> }, name: string) {
  for (const k of LEGACY) {
    if (await redis.exists(`${name}:${k}`)) {
      throw new Error(
        `Redis holds Herald data in the layout before hash tags ("${name}:${k}"). Stop every Herald ` +
          `process and run "npm run migrate-keys" once (REDIS_URL as for Herald), then start again.`,
      );
    }
  }
}
