import type { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import type { Stats } from '../insight/stats.js';
import type { Domain } from '../invites/domain.js';
import type { Suppressions } from '../suppressions/suppressions.js';
import type { Policies } from '../policy/store.js';
import type { Endpoints } from '../webhooks/endpoints.js';
import type { Sessions } from './sessions.js';
import type { SignInLimit } from './sign-in-limit.js';

/** What the console is built from: the same parts the API uses. */
export interface ConsoleDeps {
  apiKeys: string[];
  publicUrl: string;
  sessions: Sessions;
  signInLimit: SignInLimit;
  domain: Domain;
  stats: Stats;
  suppressions: Suppressions;
  policies: Policies;
  endpoints: Endpoints;
  /** The queues, for depths and the queue board (absent when this process cannot see them). */
  queues?: Queue[];
}

/** Sends a console page (signed-in layout). */
export type Render = (
  reply: FastifyReply,
  title: string,
  body: string,
  o?: { status?: number; refreshSeconds?: number },
) => FastifyReply;

export type PageDeps = ConsoleDeps & { render: Render };
