/** One send the domain asks the queue for: the invite, its send number, and its batch if any. */
export interface SendItem {
  inviteId: string;
  seq: number;
  batchId: string | null;
  /** Wait this long before sending (a scheduled `sendAt`). */
  delayMs?: number;
}

/** What the domain asks of the job queue; src/jobs implements it with BullMQ. */
export interface JobPort {
  send(items: SendItem[], kind?: 'send' | 'resend'): Promise<void>;
  /** Queues again each send whose job no longer exists (same job id, so never twice); returns how many. */
  requeueMissing(items: SendItem[]): Promise<number>;
  createChunks(batchId: string, chunks: number): Promise<void>;
  /** Queues the reminders of an invite whose first mail went out at `sentAt` (job ids fold repeats). */
  remind(inviteId: string, delays: number[], sentAt: number, now: number): Promise<void>;
  sweep(): Promise<string>;
  /** Queues one test message of a template (DESIGN §16); `version` null: the published one. */
  testSend(t: {
    tenant: string;
    kind: string;
    locale: string;
    version: number | null;
    to: string;
  }): Promise<void>;
  /** Queues the removal of every invite of a deleted tenant; returns the job's id. */
  /** Queues the removal of what a deleted tenant held until `before` (ms); returns the job's id. */
  purgeTenant(tenant: string, before: number): Promise<string>;
}

/**
 * What the domain asks of the invite policy (DESIGN §17): for each address, the code of the rule
 * that refuses it, or null.
 */
export interface PolicyPort {
  check(emails: string[], tenant: string): Promise<(string | null)[]>;
  /** Whether new invites of a tenant wait for an approval before anything is sent. */
  requiresApproval(tenant: string): Promise<boolean>;
}

/** A policy that refuses nothing: for tests and benches that build the domain themselves. */
export const noPolicy: PolicyPort = {
  check: async (emails) => emails.map(() => null),
  requiresApproval: async () => false,
};

/** A JobPort that queues nothing: for tests and benches that drive the domain directly. */
export const noJobs: JobPort = {
  send: async () => {},
  requeueMissing: async () => 0,
  createChunks: async () => {},
  remind: async () => {},
  sweep: async () => 'none',
  testSend: async () => {},
  purgeTenant: async () => 'none',
};
