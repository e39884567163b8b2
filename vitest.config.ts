import { defineConfig } from 'vitest/config';

// The store, list, concurrency, delivery, expiry and event tests run three times: on one Redis
// with one partition (the default), on one Redis with three partitions and two delivery shards (so merging across
// partitions is tested without a cluster), and on a local three-master Redis Cluster with the
// cluster default of 16 (DESIGN §14; test/global-setup.ts starts it).
const onCluster = [
  'test/integration/invites.test.ts',
  'test/integration/list.test.ts',
  'test/integration/list-model.test.ts',
  'test/integration/concurrency.test.ts',
  'test/integration/delivery.test.ts',
  'test/integration/expiry.test.ts',
  'test/integration/events.test.ts',
  'test/integration/webhooks.test.ts',
  'test/integration/batches.test.ts',
  'test/integration/cluster.test.ts',
];
// Reads that merge partitions beyond lists and the feed: suppression pages, stats, campaign batches.
const merging = [
  'test/integration/deliverability.test.ts',
  'test/integration/stats.test.ts',
  'test/integration/campaigns.test.ts',
];
// Records that are not invites (console sessions, idempotency, fleet counters): on a cluster a
// script or MULTI over two slots would fail, which one Redis does not check.
const records = [
  'test/integration/console.test.ts',
  'test/integration/idempotency.test.ts',
  'test/integration/metrics.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'redis',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/cluster.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'partitions',
          include: [...onCluster, ...merging],
          exclude: ['test/integration/cluster.test.ts'],
          env: { HERALD_TEST_PARTITIONS: '3', HERALD_TEST_SHARDS: '2' },
        },
      },
      { extends: true, test: { name: 'cluster', include: [...onCluster, ...merging, ...records] } },
    ],
  },
});
