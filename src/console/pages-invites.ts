import type { FastifyPluginAsync } from 'fastify';
import { HeraldError } from '../errors.js';
import { looksLikeCode } from '../invites/codes.js';
import { STATUSES, type Invite } from '../invites/invite.js';
import { esc, table } from './html.js';
import type { PageDeps } from './deps.js';

const ACTIONS = { cancel: 'Cancel this invite', resend: 'Send this invite again' } as const;
type Action = keyof typeof ACTIONS;

const link = (i: Invite) =>
  `<a href="/console/invites/${encodeURIComponent(i.id)}">${esc(i.email ?? i.id)}</a>`;

/** Invites: search by address, code or status; one invite's timeline; resend and cancel after a confirmation. */
export const invitePages: FastifyPluginAsync<PageDeps> = async (app, d) => {
  const { service, queries } = d.domain;

  app.get<{ Querystring: { q?: string; status?: string } }>(
    '/console/invites',
    { schema: { hide: true } },
    async (req, reply) => {
      const q = (req.query.q ?? '').trim().slice(0, 254);
      const status = (STATUSES as readonly string[]).includes(req.query.status ?? '')
        ? req.query.status
        : undefined;
      const filter: Record<string, string> = {};
      if (q && looksLikeCode(q)) filter.code = q;
      else if (q) filter.email = q;
      const list = await queries.list(
        { ...filter, status, sort: '-createdAt', limit: 50 } as never,
        d.tenant(req),
      );
      const rows = list.data.map((i) => [
        link(i),
        esc(i.status),
        esc(i.delivery.status),
        esc(i.scope ? `${i.scope.type} ${i.scope.id}` : ''),
        esc(i.createdAt),
      ]);
      const options = ['', ...STATUSES]
        .map((s) => `<option value="${s}"${s === status ? ' selected' : ''}>${s || 'any status'}</option>`)
        .join('');
      return d.render(
        reply,
        'Invites',
        `<form method="get" action="/console/invites" class="card">
  <label for="q">E-mail address or code</label><input id="q" name="q" value="${esc(q)}">
  <label for="status">Status</label><select id="status" name="status">${options}</select>
  <button type="submit">Search</button>
</form>
<div class="scroll">${table(['Invite', 'Status', 'Delivery', 'Scope', 'Created'], rows)}</div>
${rows.length === 0 ? '<p class="muted">No invites match.</p>' : ''}`,
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/console/invites/:id',
    { schema: { hide: true } },
    async (req, reply) => {
      let invite: Invite;
      try {
        invite = await service.get(req.params.id);
      } catch (err) {
        if (err instanceof HeraldError && err.status === 404)
          return d.render(reply, 'Not found', '<p>No such invite.</p>', { status: 404 });
        throw err;
      }
      const events = await service.events(invite.id);
      const timeline = events
        .map((e) => {
          const { type, at, ...rest } = e as { type: string; at: string } & Record<string, unknown>;
          const extra = Object.entries(rest)
            .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' · ');
          return `<li><time datetime="${esc(at)}">${esc(at)}</time> <strong>${esc(type)}</strong> ${extra ? `<span class="muted">${esc(extra)}</span>` : ''}</li>`;
        })
        .join('');
      const actions =
        invite.status === 'pending'
          ? (Object.keys(ACTIONS) as Action[])
              .filter((a) => a !== 'resend' || invite.email)
              .map(
                (a) =>
                  `<a href="/console/invites/${encodeURIComponent(invite.id)}/${a}">${esc(ACTIONS[a])}…</a>`,
              )
              .join(' · ')
          : '';
      return d.render(
        reply,
        invite.email ?? invite.id,
        `<section><p>Status <strong>${esc(invite.status)}</strong> · delivery <strong>${esc(invite.delivery.status)}</strong>${invite.delivery.lastError ? ` · <span class="error">${esc(invite.delivery.lastError)}</span>` : ''}</p>
<p>Role ${esc(invite.role ?? '—')} · scope ${esc(invite.scope ? `${invite.scope.type} ${invite.scope.id}` : '—')} · expires ${esc(invite.expiresAt ?? 'never')}</p>
<p>${actions}</p></section>
<section><h2>Timeline</h2><ol class="timeline">${timeline}</ol></section>`,
      );
    },
  );

  for (const action of Object.keys(ACTIONS) as Action[]) {
    // The confirmation page: nothing changes until its form is posted.
    app.get<{ Params: { id: string } }>(
      `/console/invites/:id/${action}`,
      { schema: { hide: true } },
      async (req, reply) => {
        const id = encodeURIComponent(req.params.id);
        return d.render(
          reply,
          `${ACTIONS[action]}?`,
          `<form method="post" action="/console/invites/${id}/${action}" class="card">
  <p>${action === 'cancel' ? 'The link stops working at once. This cannot be undone.' : 'The invite is e-mailed again.'}</p>
  <button type="submit" class="${action === 'cancel' ? 'danger' : ''}">Yes, ${esc(action)}</button>
  <a href="/console/invites/${id}">No, go back</a>
</form>`,
        );
      },
    );
    app.post<{ Params: { id: string } }>(
      `/console/invites/:id/${action}`,
      { schema: { hide: true } },
      async (req, reply) => {
        try {
          if (action === 'cancel') await service.cancel(req.params.id, 'canceled in the console');
          else await service.resend(req.params.id, {}, 'resent from the console');
        } catch (err) {
          if (!(err instanceof HeraldError)) throw err;
          return d.render(reply, 'Not done', `<p class="error" role="alert">${esc(err.message)}</p>`, {
            status: err.status,
          });
        }
        return reply
          .code(303)
          .header('location', `/console/invites/${encodeURIComponent(req.params.id)}`)
          .send();
      },
    );
  }
};
