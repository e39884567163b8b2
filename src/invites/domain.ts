import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { createBulk } from './bulk.js';
import { noPolicy, type JobPort, type PolicyPort } from './ports.js';
import { createQueries } from './queries.js';
import { createRepair } from './repair.js';
import { createService, type ServiceSettings } from './service.js';
import { createStore } from './store.js';

export interface DomainOptions {
  prefix: string;
  /** How many partitions the invites are spread over (REDIS_PARTITIONS; 1 when left out). */
  partitions?: number;
  clock: Clock;
  jobs: JobPort;
  /** The invite policy (DESIGN §17); none: every address is allowed. */
  policy?: PolicyPort;
  settings: ServiceSettings & { bulkMax: number };
}

export type Domain = ReturnType<typeof createDomain>;

/** The store and every use case over one Redis connection, built once per connection. */
export function createDomain(redis: Redis, o: DomainOptions) {
  const store = createStore(redis, o.prefix, o.partitions);
  const policy = o.policy ?? noPolicy;
  const service = createService(store, o.jobs, o.clock, o.settings, policy);
  const bulk = createBulk(store, o.jobs, o.clock, o.settings, policy, (id, decision) =>
    service
      .decide(id, decision, `the whole batch was ${decision === 'approve' ? 'approved' : 'rejected'}`)
      .catch(
        // Decided meanwhile by another request: nothing left to do.
        (err: { code?: string }) => {
          if (err.code !== 'invite_not_waiting') throw err;
        },
      ),
  );
  const queries = createQueries(store, o.clock, o.settings.secret, service.view);
  const repairDeliveries = createRepair(store, o.jobs, o.clock);
  return { store, service, bulk, queries, repairDeliveries };
}
