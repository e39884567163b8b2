import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Clock } from '../clock.js';
import { effectiveStatus } from '../invites/invite.js';
import type { JobPort } from '../invites/ports.js';
import type { Service } from '../invites/service.js';
import type { Store } from '../invites/store.js';
import type { SendLimits } from '../mail/rates.js';
import type { Templates } from '../mail/templates.js';
import { senderOf } from '../branding/branding.js';
import type { Looks } from '../templates/looks.js';
import type { MailTransport } from '../mail/transport.js';
import { smtpCode } from '../mail/transport.js';
import type { Verp } from '../mail/verp.js';
import type { Metrics } from '../metrics.js';
import { reminderPayload, sendPayload } from './queues.js';

export interface SendDeps {
  store: Store;
  service: Service;
  jobs: JobPort;
  clock: Clock;
  transport: MailTransport;
  templates: Templates;
  /** Each tenant's branding and published templates. */
  looks: Looks;
  metrics: Metrics;
  mailFrom: string;
  messageDomain: string;
  verp: Verp;
  limits: SendLimits;
  /** The one-click unsubscribe link for an address (RFC 8058). */
  unsubscribeUrl: (tenant: string, emailKey: string) => string;
}

const describe = (err: unknown) => {
  const e = err as { response?: string; message?: string; code?: string };
  return String(e.response ?? e.message ?? e.code ?? err).slice(0, 500);
};

type Kind = 'invite' | 'resend' | 'reminder';
type Outcome = 'sent' | 'retry' | 'failed' | 'suppressed' | 'skipped';

/**
 * The `send`, `resend` and `reminder` jobs: render and deliver one message of an invite,
 * recording exactly what happened. Each message has a send number; one at or below the
 * invite's sentSeq was already accepted by the SMTP server and is never sent again.
 */
export function sendProcessor(d: SendDeps) {
  async function deliver(
    job: Job,
    token: string | undefined,
    inviteId: string,
    seq: number,
    batchId: string | null,
    kind: Kind,
  ) {
    const record = (
      outcome: Outcome,
      info: string,
      permanent = false,
      templateVersion: string | null = null,
    ) =>
      d.store.delivery({
        now: d.clock.now(),
        id: inviteId,
        seq,
        outcome,
        info,
        batchId,
        kind,
        permanent,
        templateVersion,
      });
    const { doc, suppressed } = await d.store.prepareSend(inviteId);
    if (!doc || effectiveStatus(doc, d.clock.now()) !== 'pending' || !doc.email) {
      if (kind !== 'reminder') await record('skipped', '');
      return 'skipped';
    }
    const remind = async (sentAt: number) => {
      if (seq === 1 && doc.reminders?.length)
        await d.jobs.remind(inviteId, doc.reminders, sentAt, d.clock.now());
    };
    if (seq <= doc.delivery.sentSeq) {
      // Sent by an earlier run that stopped before queueing the reminders: queue them now.
      await remind(doc.delivery.lastSentAt ?? d.clock.now());
      return 'already-sent';
    }
    if (suppressed) {
      if (kind !== 'reminder') await record('suppressed', '');
      return 'suppressed';
    }
    // Over a send rate: wait without it counting as an attempt, and let other jobs go first.
    const wait = d.limits.enabled ? await d.limits.wait(doc.email) : 0;
    if (wait > 0 && token) {
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    }
    const template = kind === 'reminder' ? 'reminder' : 'invite';
    const { look, version, locale, branding } = await d.looks.of(doc.tenant, template, doc.locale);
    const unsubscribe = d.unsubscribeUrl(doc.tenant, doc.emailKey ?? doc.email.toLowerCase());
    const mail = d.templates.render(
      template,
      {
        inviterName: doc.inviter.name,
        scope: doc.scope,
        role: doc.role,
        url: d.service.link(doc),
        expiresAt: doc.expiresAt,
        locale: doc.locale,
        name: doc.name,
        unsubscribeUrl: unsubscribe,
      },
      look,
    );
    const messageId = `<${inviteId}.${seq}@${d.messageDomain}>`;
    const stop = d.metrics.sendLatency.startTimer();
    try {
      await d.transport.send({
        from: senderOf(branding, d.mailFrom),
        ...(branding.replyTo ? { replyTo: branding.replyTo } : {}),
        // nodemailer quotes and encodes the display name, so a name cannot add a header or recipient.
        to: doc.name ? { name: doc.name, address: doc.email } : doc.email,
        messageId,
        envelope: { from: d.verp.address(inviteId, seq), to: doc.email },
        headers: {
          'List-Unsubscribe': `<${unsubscribe}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
        ...mail,
      });
    } catch (err) {
      const code = smtpCode(err);
      const permanent = code !== null && code >= 500;
      const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await record(final ? 'failed' : 'retry', describe(err), permanent);
      if (final) throw new UnrecoverableError(describe(err));
      throw err;
    } finally {
      stop();
    }
    await record('sent', messageId, false, `${template}/${locale}@${version}`);
    await remind(d.clock.now());
    return 'sent';
  }

  return async (job: Job, token?: string) => {
    if (job.name === 'reminder') {
      const { inviteId, slot } = reminderPayload.parse(job.data);
      const claimed = await d.store.claimReminder({ now: d.clock.now(), id: inviteId, slot });
      if (claimed === null) return 'stopped';
      return deliver(job, token, inviteId, claimed, null, 'reminder');
    }
    const { inviteId, seq, batchId } = sendPayload.parse(job.data);
    return deliver(job, token, inviteId, seq, batchId, job.name === 'resend' ? 'resend' : 'invite');
  };
}
