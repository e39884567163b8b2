import type { FastifyPluginAsync } from 'fastify';
import { barChart, dayChart, esc, table } from './html.js';
import type { PageDeps } from './deps.js';

/** The overview: the funnel of the last 30 days, sent/opened/accepted per day, queues, last sweep. */
export const overviewPage: FastifyPluginAsync<PageDeps> = async (app, d) => {
  app.get('/console', { schema: { hide: true } }, async (req, reply) => {
    const s = await d.stats.query({ interval: 'day' }, d.tenant(req));
    const t = s.totals;
    const funnel = barChart('Funnel, last 30 days', [
      { label: 'Created', value: t.created },
      { label: 'Sent', value: t.sent },
      { label: 'Opened', value: t.opened },
      { label: 'Accepted', value: t.accepted },
      { label: 'Declined', value: t.declined },
      { label: 'Failed', value: t.failed + t.bounced + t.suppressed },
    ]);
    const days = dayChart(
      'Per day',
      s.series.map((b) => ({ day: b.start.slice(0, 10), values: [b.sent, b.opened, b.accepted] })),
      ['sent', 'opened', 'accepted'],
    );
    const counts = d.queues
      ? await Promise.all(
          d.queues.map(
            async (q) => [q.name, await q.getJobCounts('waiting', 'active', 'delayed', 'failed')] as const,
          ),
        )
      : [];
    const queueTable = table(
      ['Queue', 'Waiting', 'Active', 'Delayed', 'Failed'],
      counts.map(([name, c]) => [
        esc(name),
        String(c.waiting),
        String(c.active),
        String(c.delayed),
        String(c.failed),
      ]),
    );
    const last = await d.domain.store.lastSweep();
    return d.render(
      reply,
      'Overview',
      `<p>Open rate <strong>${(s.rates.open * 100).toFixed(1)} %</strong> · accept rate <strong>${(s.rates.accept * 100).toFixed(1)} %</strong></p>
<div class="grid">${funnel}${days}</div>
<section><h2>Queues</h2><div class="scroll">${queueTable}</div>
<p>Last expiry sweep: ${last ? `<time datetime="${new Date(last).toISOString()}">${esc(new Date(last).toISOString())}</time>` : 'none yet'}</p></section>`,
    );
  });
};
