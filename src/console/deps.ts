import type { Queue } from 'bullmq';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Stats } from '../insight/stats.js';
import type { Domain } from '../invites/domain.js';
import type { Suppressions } from '../suppressions/suppressions.js';
import type { Policies } from '../policy/store.js';
import type { Endpoints } from '../webhooks/endpoints.js';
import type { Auth } from '../access/auth.js';
import type { KeyStore } from '../access/key-store.js';
import type { TenantStore } from '../tenants/store.js';
import type { BrandingStore } from '../branding/store.js';
import type { TemplateService } from '../templates/service.js';
import type { Sessions } from './sessions.js';
import type { SignInLimit } from './sign-in-limit.js';

/** What the console is built from: the same parts the API uses. */
export interface ConsoleDeps {
  /** Signs in with any key: operator keys, and tenant keys with `*` (DESIGN §15). */
  auth: Auth;
  keys: KeyStore;
  tenants: TenantStore;
  publicUrl: string;
  sessions: Sessions;
  signInLimit: SignInLimit;
  domain: Domain;
  stats: Stats;
  suppressions: Suppressions;
  policies: Policies;
  endpoints: Endpoints;
  branding: BrandingStore;
  senderDomains: string[];
  templates: TemplateService;
  /** The queues, for depths and the queue board (absent when this process cannot see them). */
  queues?: Queue[];
}

/** Sends a console page (signed-in layout). */
export type Render = (
  reply: FastifyReply,
  title: string,
  body: string,
  o?: { status?: number; refreshSeconds?: number },
) => Promise<FastifyReply>;

export type PageDeps = ConsoleDeps & {
  render: Render;
  /** The tenant the signed-in session acts in. */
  tenant: (req: FastifyRequest) => string;
};
