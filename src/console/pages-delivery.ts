import type { FastifyPluginAsync } from 'fastify';
import { HeraldError } from '../errors.js';
import { esc, table } from './html.js';
import type { PageDeps } from './deps.js';

type Batch = Awaited<ReturnType<PageDeps['domain']['bulk']['batch']>>;
const ended = (b: Batch) => b.sent + b.failed + b.suppressed;
const bar = (b: Batch) =>
  `<progress max="${Math.max(b.total, 1)}" value="${b.status === 'done' ? Math.max(b.total, 1) : ended(b) + b.duplicates}" aria-label="Batch ${esc(b.id)} progress">${ended(b)} of ${b.total}</progress>`;

/** Batches (progress, failures with the servers' replies), suppressions, webhooks. */
export const deliveryPages: FastifyPluginAsync<PageDeps> = async (app, d) => {
  const { bulk, store, queries } = d.domain;
  const notDone = (reply: import('fastify').FastifyReply, err: unknown) => {
    if (!(err instanceof HeraldError)) throw err;
    return d.render(reply, 'Not done', `<p class="error" role="alert">${esc(err.message)}</p>`, {
      status: err.status,
    });
  };

  app.get('/console/batches', { schema: { hide: true } }, async (req, reply) => {
    const tenant = d.tenant(req);
    // Recent batches of the tenant: each batch's owner is read with it.
    const batches = await Promise.all(
      (await store.recentBatches(60)).map(async (id) => {
        const owner = await bulk.batchOwner(id).catch(() => null);
        return owner?.tenant === tenant ? bulk.batch(id).catch(() => null) : null;
      }),
    );
    const rows = batches
      .filter((b): b is Batch => b !== null)
      .map((b) => [
        `<a href="/console/batches/${esc(b.id)}">${esc(b.id)}</a>`,
        esc(b.status),
        bar(b),
        `${b.sent} sent · ${b.failed} failed · ${b.suppressed} suppressed`,
        esc(b.createdAt),
      ]);
    const running = batches.some((b) => b && b.status !== 'done');
    return d.render(
      reply,
      'Batches',
      `<div class="scroll">${table(['Batch', 'Status', 'Progress', 'Tallies', 'Created'], rows)}</div>`,
      {
        refreshSeconds: running ? 2 : undefined,
      },
    );
  });

  app.get<{ Params: { id: string } }>(
    '/console/batches/:id',
    { schema: { hide: true } },
    async (req, reply) => {
      let b: Batch;
      try {
        b = await bulk.batch(req.params.id);
      } catch (err) {
        return notDone(reply, err);
      }
      // The failures, with what the servers answered (the first 100 invites that failed).
      const failed: string[][] = [];
      let after: string | undefined;
      for (let page = 0; page < 20 && failed.length < 100; page++) {
        const list = await queries.list({ batchId: b.id, sort: '-createdAt', limit: 100, after } as never);
        for (const i of list.data) {
          if (i.delivery.status === 'failed' || i.delivery.status === 'bounced') {
            failed.push([
              `<a href="/console/invites/${esc(i.id)}">${esc(i.email ?? i.id)}</a>`,
              esc(i.delivery.lastError ?? ''),
            ]);
          }
        }
        if (!list.nextCursor) break;
        after = list.nextCursor;
      }
      return d.render(
        reply,
        `Batch ${b.id}`,
        `<section><p>${bar(b)}</p>
<p><strong>${esc(b.status)}</strong>: ${b.total} addresses, ${b.created} created, ${b.duplicates} duplicates, ${b.sent} sent, ${b.failed} failed, ${b.suppressed} suppressed</p></section>
<section><h2>Failures</h2>${failed.length ? `<div class="scroll">${table(['Address', 'Server reply'], failed)}</div>` : '<p class="muted">None.</p>'}</section>`,
        { refreshSeconds: b.status === 'done' ? undefined : 1 },
      );
    },
  );

  app.get('/console/suppressions', { schema: { hide: true } }, async (req, reply) => {
    const list = await d.suppressions.list(d.tenant(req), { limit: 100 });
    const rows = list.data.map((s) => [
      esc(s.email),
      esc(s.reason),
      esc(s.detail ?? ''),
      esc(s.createdAt),
      `<form method="post" action="/console/suppressions/remove" class="inline"><input type="hidden" name="email" value="${esc(s.email)}"><button type="submit" class="link">Remove</button></form>`,
    ]);
    return d.render(
      reply,
      'Suppressions',
      `<form method="post" action="/console/suppressions/add" class="card">
  <label for="email">Address to suppress</label><input id="email" name="email" type="email" required>
  <button type="submit">Add</button>
</form>
<div class="scroll">${table(['Address', 'Reason', 'Detail', 'Since', ''], rows)}</div>`,
    );
  });
  for (const op of ['add', 'remove'] as const) {
    app.post<{ Body: { email?: string } }>(
      `/console/suppressions/${op}`,
      { schema: { hide: true } },
      async (req, reply) => {
        try {
          const email = String(req.body?.email ?? '');
          if (op === 'add')
            await d.suppressions.put(d.tenant(req), email, {
              reason: 'manual',
              detail: 'added in the console',
            });
          else await d.suppressions.remove(d.tenant(req), email);
        } catch (err) {
          return notDone(reply, err);
        }
        return reply.code(303).header('location', '/console/suppressions').send();
      },
    );
  }

  app.get('/console/webhooks', { schema: { hide: true } }, async (req, reply) => {
    const { data } = await d.endpoints.list(d.tenant(req));
    const sections = await Promise.all(
      data.map(async (e) => {
        const log = await d.endpoints.deliveries(e.id, { limit: 10 });
        const rows = log.data.map((a) => [
          esc(a.at),
          esc(a.type),
          `${a.attempt}`,
          esc(a.status),
          esc(String(a.responseStatus ?? '')),
          esc(a.error ?? ''),
          `<form method="post" action="/console/webhooks/${esc(e.id)}/redeliver" class="inline"><input type="hidden" name="eventId" value="${esc(a.eventId)}"><button type="submit" class="link">Redeliver</button></form>`,
        ]);
        return `<section><h2>${esc(e.url)}</h2><p>${e.enabled ? 'enabled' : '<strong>disabled</strong>'} · ${esc(e.description ?? '')} · ${e.events.length} event types</p>
<form method="post" action="/console/webhooks/${esc(e.id)}/test" class="inline"><button type="submit">Send a test event</button></form>
<div class="scroll">${table(['At', 'Event', 'Attempt', 'Status', 'HTTP', 'Error', ''], rows)}</div></section>`;
      }),
    );
    return d.render(
      reply,
      'Webhooks',
      sections.join('') || '<p class="muted">No endpoints. Add one with POST /v1/webhooks.</p>',
    );
  });
  app.post<{ Params: { id: string } }>(
    '/console/webhooks/:id/test',
    { schema: { hide: true } },
    async (req, reply) => {
      await d.endpoints.test(req.params.id).catch((err) => notDone(reply, err));
      return reply.sent ? reply : reply.code(303).header('location', '/console/webhooks').send();
    },
  );
  app.post<{ Params: { id: string }; Body: { eventId?: string } }>(
    '/console/webhooks/:id/redeliver',
    { schema: { hide: true } },
    async (req, reply) => {
      await d.endpoints
        .redeliver(req.params.id, String(req.body?.eventId ?? ''))
        .catch((err) => notDone(reply, err));
      return reply.sent ? reply : reply.code(303).header('location', '/console/webhooks').send();
    },
  );
};
