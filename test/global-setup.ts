import type { TestProject } from 'vitest/node';
import { redisAnswers, startLocalRedis } from '../src/local-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** Uses TEST_REDIS_URL or the Redis on 127.0.0.1:6379, else starts a private one for the run. */
export default async function setup(project: TestProject) {
  let stop: (() => void) | undefined;
  let url = process.env.TEST_REDIS_URL;
  if (!url) {
    if (await redisAnswers('127.0.0.1', 6379)) url = 'redis://127.0.0.1:6379/9';
    else {
      const local = await startLocalRedis(6399, `/tmp/herald-test-redis-${process.pid}`);
      if (!local) throw new Error('Tests need Redis: install redis-server or set TEST_REDIS_URL.');
      url = `${local.url}/9`;
      stop = local.stop;
    }
  }
  project.provide('redisUrl', url);
  return () => stop?.();
}
