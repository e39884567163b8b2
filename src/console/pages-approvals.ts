import type { FastifyPluginAsync } from 'fastify';
import { HeraldError } from '../errors.js';
import type { Invite } from '../invites/invite.js';
import { esc, table } from './html.js';
import type { PageDeps } from './deps.js';

const DECISIONS = { approve: 'Approve', reject: 'Reject' } as const;
type Decision = keyof typeof DECISIONS;
const isDecision = (s: string): s is Decision => s in DECISIONS;

/** Approvals (DESIGN §17): invites and batches waiting, approved or rejected after a confirmation. */
export const approvalPages: FastifyPluginAsync<PageDeps> = async (app, d) => {
  const { service, queries, bulk } = d.domain;
  const decide = (href: string, i: Invite | null) =>
    (Object.keys(DECISIONS) as Decision[])
      .map((k) => `<a href="${href}/${k}">${DECISIONS[k]}${i ? '' : ' all'}…</a>`)
      .join(' · ');

  app.get('/console/approvals', { schema: { hide: true } }, async (req, reply) => {
    const waiting = (
      await queries.list(
        { status: 'pending_approval', sort: '-createdAt', limit: 100 } as never,
        d.tenant(req),
      )
    ).data;
    const rows = waiting.map((i) => [
      `<a href="/console/invites/${encodeURIComponent(i.id)}">${esc(i.email ?? i.id)}</a>`,
      esc(i.scope ? `${i.scope.type} ${i.scope.id}` : ''),
      esc(i.inviter.name ?? i.inviter.id ?? ''),
      esc(i.createdAt),
      decide(`/console/approvals/${encodeURIComponent(i.id)}`, i),
    ]);
    const batches = [...new Set(waiting.map((i) => i.batchId).filter((b): b is string => b !== null))];
    const batchRows = batches.map((b) => [
      `<a href="/console/batches/${encodeURIComponent(b)}">${esc(b)}</a>`,
      String(waiting.filter((i) => i.batchId === b).length),
      decide(`/console/approvals/batch/${encodeURIComponent(b)}`, null),
    ]);
    return d.render(
      reply,
      'Approvals',
      `<section><h2>Invites waiting</h2><div class="scroll">${table(['Invite', 'Scope', 'Invited by', 'Created', ''], rows)}</div>
${rows.length === 0 ? '<p class="muted">Nothing waits for approval.</p>' : ''}</section>
${batchRows.length ? `<section><h2>Batches waiting</h2>${table(['Batch', 'Waiting here', ''], batchRows)}</section>` : ''}`,
    );
  });

  // The confirmation pages: nothing changes until the form is posted; a rejection takes a reason.
  for (const path of ['/console/approvals/:id/:decision', '/console/approvals/batch/:id/:decision']) {
    const isBatch = path.includes('/batch/');
    app.get<{ Params: { id: string; decision: string } }>(
      path,
      { schema: { hide: true } },
      async (req, reply) => {
        const { id, decision } = req.params;
        if (!isDecision(decision))
          return d.render(reply, 'Not found', '<p>No such page.</p>', { status: 404 });
        const action = `/console/approvals${isBatch ? '/batch' : ''}/${encodeURIComponent(id)}/${decision}`;
        return d.render(
          reply,
          `${DECISIONS[decision]} ${isBatch ? 'every waiting invite of this batch' : 'this invite'}?`,
          `<form method="post" action="${action}" class="card">
  <p>${decision === 'approve' ? 'Its invitation is e-mailed now.' : 'It is rejected for good: no mail, and its code never works.'}</p>
  ${decision === 'reject' ? '<label for="reason">Reason (kept in the audit trail)</label><input id="reason" name="reason" maxlength="512">' : ''}
  <button type="submit" class="${decision === 'reject' ? 'danger' : ''}">Yes, ${esc(decision)}</button>
  <a href="/console/approvals">No, go back</a>
</form>`,
        );
      },
    );
    app.post<{ Params: { id: string; decision: string }; Body: { reason?: unknown } }>(
      path,
      { schema: { hide: true } },
      async (req, reply) => {
        const { id, decision } = req.params;
        if (!isDecision(decision))
          return d.render(reply, 'Not found', '<p>No such page.</p>', { status: 404 });
        const given = typeof req.body?.reason === 'string' ? req.body.reason.trim().slice(0, 512) : '';
        const reason = given || `${decision === 'approve' ? 'approved' : 'rejected'} in the console`;
        try {
          if (isBatch)
            await bulk.decideBatch(
              id,
              (inviteId) =>
                service.decide(inviteId, decision, reason).catch((err: { code?: string }) => {
                  if (err.code !== 'invite_not_waiting') throw err;
                }),
              decision,
            );
          else await service.decide(id, decision, reason);
        } catch (err) {
          if (!(err instanceof HeraldError)) throw err;
          return d.render(reply, 'Not done', `<p class="error" role="alert">${esc(err.message)}</p>`, {
            status: err.status,
          });
        }
        return reply.code(303).header('location', '/console/approvals').send();
      },
    );
  }
};
