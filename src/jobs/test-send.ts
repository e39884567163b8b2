import type { Job } from 'bullmq';
import { senderOf } from '../branding/branding.js';
import type { MailTransport } from '../mail/transport.js';
import type { TemplateService } from '../templates/service.js';
import { testSendPayload } from './queues.js';

/**
 * The `test-send` job (DESIGN §16): one message of a template version with sample data and the
 * tenant's branding, its subject prefixed `[TEST] `. No invite, no stats, no trail.
 */
export function testSendProcessor(d: {
  templateService: TemplateService;
  transport: MailTransport;
  mailFrom: string;
  messageDomain: string;
}) {
  return async (job: Job) => {
    const t = testSendPayload.parse(job.data);
    const m = await d.templateService.render(t.tenant, t.kind, t.locale, {
      ...(t.version !== null ? { version: t.version } : {}),
    });
    await d.transport.send({
      from: senderOf(m.branding, d.mailFrom),
      ...(m.branding.replyTo ? { replyTo: m.branding.replyTo } : {}),
      to: t.to,
      messageId: `<test.${job.id}@${d.messageDomain}>`,
      subject: `[TEST] ${m.subject}`,
      html: m.html,
      text: m.text,
    });
    return 'sent';
  };
}
