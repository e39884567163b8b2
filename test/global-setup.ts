import type { TestProject } from 'vitest/node';
import { startLocalCluster } from '../src/local-cluster.js';
import { redisAnswers, startLocalRedis } from '../src/local-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** Seed nodes (`host:port,…`) when the project runs on a Redis Cluster, else ''. */
    redisCluster: string;
  }
}

/**
 * The "cluster" project gets a local three-master Redis Cluster (TEST_CLUSTER_NODES to use one
 * that runs already), "cluster-alone" one of its own; the others use TEST_REDIS_URL or the Redis on 127.0.0.1:6379, else a
 * private one started for the run.
 */
export default async function setup(project: TestProject) {
  const stops: (() => void)[] = [];
  let url = process.env.TEST_REDIS_URL;
  if (!url) {
    if (await redisAnswers('127.0.0.1', 6379)) url = 'redis://127.0.0.1:6379/9';
    else {
      const local = await startLocalRedis(6399, `/tmp/herald-test-redis-${process.pid}`);
      if (!local) throw new Error('Tests need Redis: install redis-server or set TEST_REDIS_URL.');
      url = `${local.url}/9`;
      stops.push(local.stop);
    }
  }
  let cluster = '';
  if (project.name === 'cluster' || project.name === 'cluster-alone') {
    // cluster-alone changes a master's settings: it gets a cluster of its own (other ports).
    cluster = project.name === 'cluster' ? (process.env.TEST_CLUSTER_NODES ?? '') : '';
    if (!cluster) {
      const local = await startLocalCluster(3, project.name === 'cluster' ? 17000 : 17300);
      if (!local) throw new Error('The cluster tests need redis-server (or TEST_CLUSTER_NODES).');
      cluster = local.nodes.join(',');
      stops.push(local.stop);
    }
  }
  project.provide('redisUrl', url);
  project.provide('redisCluster', cluster);
  return () => stops.forEach((stop) => stop());
}
