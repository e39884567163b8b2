import type { Redis } from 'ioredis';
import { masters } from '../redis.js';
import type { Library } from './lua-source.js';

/**
 * Calls the library's functions (FCALL, one key: the partition prefix). A Redis or a master that
 * does not have this library yet (a new one, a master added to a cluster, a FUNCTION FLUSH)
 * answers "Function not found": the library is then loaded on every master and the call made
 * once more. Replicas get it from their master, so a failover keeps it.
 */
export function libraryCaller(redis: Redis, lib: Library) {
  let loading: Promise<unknown> | null = null;
  const load = () =>
    (loading ??= masters(redis)
      .then((nodes) => Promise.all(nodes.map((n) => n.call('FUNCTION', 'LOAD', 'REPLACE', lib.source))))
      .finally(() => (loading = null)));
  return async <T>(script: string, ...args: (string | number)[]): Promise<T> => {
    try {
      return (await redis.fcall(lib.fn(script), 1, ...args)) as T;
    } catch (err) {
      if (!/Function not found/i.test((err as Error).message)) throw err;
      await load();
      return (await redis.fcall(lib.fn(script), 1, ...args)) as T;
    }
  };
}
