import { UnrecoverableError, type Job } from 'bullmq';
import type { Service } from '../invites/service.js';
import { effectiveStatus } from '../invites/invite.js';
import type { Store } from '../invites/store.js';
import type { Clock } from '../clock.js';
import type { MailTransport } from '../mail/transport.js';
import { smtpCode } from '../mail/transport.js';
import type { Templates } from '../mail/templates.js';
import type { Metrics } from '../metrics.js';
import { sendPayload } from './queues.js';

export interface SendDeps {
  store: Store;
  service: Service;
  clock: Clock;
  transport: MailTransport;
  templates: Templates;
  metrics: Metrics;
  mailFrom: string;
  messageDomain: string;
}

const describe = (err: unknown) => {
  const e = err as { response?: string; message?: string; code?: string };
  return String(e.response ?? e.message ?? e.code ?? err).slice(0, 500);
};

/** The `send` / `resend` job: render and deliver one invite, recording exactly what happened. */
export function sendProcessor(d: SendDeps) {
  const record = (id: string, seq: number, outcome: string, info: string, batchId: string | null) =>
    d.store.run('delivery', d.clock.now(), id, seq, outcome, info, batchId ?? '');

  return async (job: Job) => {
    const { inviteId, seq, batchId } = sendPayload.parse(job.data);
    const doc = await d.store.get(inviteId);
    if (!doc || effectiveStatus(doc, d.clock.now()) !== 'pending' || !doc.email) {
      await record(inviteId, seq, 'skipped', '', batchId);
      return 'skipped';
    }
    // Already accepted by the SMTP server on an earlier run of this job: never send it twice.
    if (seq <= doc.delivery.sentSeq) return 'already-sent';
    const mail = d.templates.render({
      inviterName: doc.inviter.name, scope: doc.scope, role: doc.role, url: d.service.link(doc), expiresAt: doc.expiresAt, locale: doc.locale,
    });
    const messageId = `<${inviteId}.${seq}@${d.messageDomain}>`;
    const stop = d.metrics.sendLatency.startTimer();
    try {
      await d.transport.send({ from: d.mailFrom, to: doc.email, messageId, ...mail });
    } catch (err) {
      const code = smtpCode(err);
      const final = (code !== null && code >= 500) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await record(inviteId, seq, final ? 'failed' : 'retry', describe(err), batchId);
      if (final) throw new UnrecoverableError(describe(err));
      throw err;
    } finally {
      stop();
    }
    await record(inviteId, seq, 'sent', messageId, batchId);
    return 'sent';
  };
}
