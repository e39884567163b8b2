import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { HeraldError } from '../errors.js';
import { esc, table } from './html.js';
import type { PageDeps } from './deps.js';

type P = { kind: string; locale: string };
type V = P & { n: string };
const base = (p: P) => `/console/templates/${encodeURIComponent(p.kind)}/${encodeURIComponent(p.locale)}`;
const when = (ms: number | null) => (ms ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '—');

// The preview frame: the e-mail's own inline styles and https images, never a script (the CSP
// sandbox without allow-scripts), framed by the console only.
const PREVIEW_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; font-src https:; sandbox; frame-ancestors 'self'";

/**
 * Templates (DESIGN §16): each kind and locale, its versions with who published when, an editor
 * that stores drafts, a preview in a sandboxed frame, a test send, publish after a confirmation.
 */
export const templatePages: FastifyPluginAsync<PageDeps> = async (app, d) => {
  const failed = (reply: FastifyReply, err: unknown) => {
    if (!(err instanceof HeraldError)) throw err;
    const details = (err.details as { field?: string; line?: number | null; message?: string }[])
      .map((x) => `<li>${esc(`${x.field ?? ''}${x.line ? ` line ${x.line}` : ''}: ${x.message ?? ''}`)}</li>`)
      .join('');
    return d.render(
      reply,
      'Not done',
      `<p class="error" role="alert">${esc(err.message)}</p><ul>${details}</ul>`,
      {
        status: err.status,
      },
    );
  };

  app.get('/console/templates', { schema: { hide: true } }, async (req, reply) => {
    const rows = (await d.templates.list(d.tenant(req))).map((t) => [
      `<a href="${base(t)}">${esc(`${t.kind} / ${t.locale}`)}</a>`,
      t.published ? `version ${t.published}` : 'the files (version 0)',
      String(t.latest),
    ]);
    return d.render(reply, 'Templates', table(['Template', 'Published', 'Latest version'], rows));
  });

  app.get<{ Params: P; Querystring: { v?: string } }>(
    '/console/templates/:kind/:locale',
    { schema: { hide: true } },
    async (req, reply) => {
      const t = d.tenant(req);
      const { kind, locale } = req.params;
      try {
        const h = await d.templates.history(t, kind, locale);
        const n = Number.isInteger(Number(req.query.v)) ? Number(req.query.v) : h.latest;
        const shown = await d.templates.version(t, kind, locale, n);
        const rows = [...h.versions, await d.templates.version(t, kind, locale, 0)].map((v) => [
          `<a href="${base(req.params)}?v=${v.version}">${v.version === 0 ? '0 (the files)' : v.version}</a>`,
          esc(v.status),
          esc(`${when(v.createdAt)} ${v.createdBy ?? ''}`),
          esc(v.publishedAt ? `${when(v.publishedAt)} by ${v.publishedBy ?? '—'}` : '—'),
          v.status === 'published'
            ? ''
            : `<a href="${base(req.params)}/versions/${v.version}/publish">Publish…</a>`,
        ]);
        return d.render(
          reply,
          `Template ${kind} / ${locale}`,
          `<section class="editor"><h2>Version ${n}${n === h.published ? ' (published)' : ''}</h2>
<form method="post" action="${base(req.params)}" class="card">
  <label for="subject">Subject</label><input id="subject" name="subject" value="${esc(shown.subject)}" required>
  <label for="mjml">MJML</label><textarea id="mjml" name="mjml" rows="16" spellcheck="false" required>${esc(shown.mjml)}</textarea>
  <label for="text">Text part</label><textarea id="text" name="text" rows="8" required>${esc(shown.text)}</textarea>
  <button type="submit">Save as a new draft</button>
</form></section>
<section><h2>Preview of version ${n}</h2>
<iframe class="preview" sandbox title="Preview of version ${n}" src="${base(req.params)}/versions/${n}/preview.html"></iframe>
<form method="post" action="${base(req.params)}/versions/${n}/test" class="card">
  <label for="to">Send a test of version ${n} to</label><input id="to" name="to" type="email" required>
  <button type="submit">Send a test</button>
</form></section>
<section><h2>Versions</h2><div class="scroll">${table(['Version', 'Status', 'Created', 'Published', ''], rows)}</div></section>`,
        );
      } catch (err) {
        return failed(reply, err);
      }
    },
  );

  app.post<{ Params: P; Body: Record<string, unknown> }>(
    '/console/templates/:kind/:locale',
    { schema: { hide: true } },
    async (req, reply) => {
      const field = (k: string) =>
        typeof req.body?.[k] === 'string' ? (req.body[k] as string).replace(/\r\n/g, '\n') : '';
      try {
        const r = await d.templates.draft(
          d.tenant(req),
          req.params.kind,
          req.params.locale,
          {
            subject: field('subject').slice(0, 500),
            mjml: field('mjml').slice(0, 500_000),
            text: field('text').slice(0, 200_000),
          },
          req.consoleSession?.keyId ?? null,
        );
        return reply
          .code(303)
          .header('location', `${base(req.params)}?v=${r.version}`)
          .send();
      } catch (err) {
        return failed(reply, err);
      }
    },
  );

  app.get<{ Params: V }>(
    '/console/templates/:kind/:locale/versions/:n/preview.html',
    { schema: { hide: true } },
    async (req, reply) => {
      try {
        const m = await d.templates.render(d.tenant(req), req.params.kind, req.params.locale, {
          version: Number(req.params.n),
        });
        return reply
          .headers({
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': PREVIEW_CSP,
            'x-frame-options': 'SAMEORIGIN',
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
            'referrer-policy': 'no-referrer',
          })
          .send(m.html);
      } catch (err) {
        return failed(reply, err);
      }
    },
  );

  app.post<{ Params: V; Body: { to?: unknown } }>(
    '/console/templates/:kind/:locale/versions/:n/test',
    { schema: { hide: true } },
    async (req, reply) => {
      const to = typeof req.body?.to === 'string' ? req.body.to.trim().slice(0, 254) : '';
      try {
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(to))
          throw new HeraldError('invalid_input', 400, 'Give an e-mail address to send the test to.');
        const r = await d.templates.testSend(
          d.tenant(req),
          req.params.kind,
          req.params.locale,
          to,
          Number(req.params.n),
        );
        return d.render(
          reply,
          r.queued ? 'Test sent' : 'Not sent',
          `<p>${r.queued ? `A test of version ${esc(req.params.n)} is on its way to ${esc(to)}.` : `${esc(to)} is suppressed: no test was sent.`}</p>
<p><a href="${base(req.params)}?v=${esc(req.params.n)}">Back to the template</a></p>`,
        );
      } catch (err) {
        return failed(reply, err);
      }
    },
  );

  // Publishing asks first: messages rendered from then on use the version.
  app.get<{ Params: V }>(
    '/console/templates/:kind/:locale/versions/:n/publish',
    { schema: { hide: true } },
    async (req, reply) =>
      d.render(
        reply,
        `Publish version ${req.params.n}?`,
        `<form method="post" action="${base(req.params)}/versions/${encodeURIComponent(req.params.n)}/publish" class="card">
  <p>Every ${esc(req.params.kind)} e-mail in ${esc(req.params.locale)} rendered from now on uses version ${esc(req.params.n)}. Publishing an older version later rolls back.</p>
  <button type="submit">Yes, publish</button>
  <a href="${base(req.params)}?v=${esc(req.params.n)}">No, go back</a>
</form>`,
      ),
  );
  app.post<{ Params: V }>(
    '/console/templates/:kind/:locale/versions/:n/publish',
    { schema: { hide: true } },
    async (req, reply) => {
      try {
        const n = Number(req.params.n);
        if (!Number.isInteger(n) || n < 0)
          throw new HeraldError('template_not_found', 404, 'No such version.');
        await d.templates.publish(
          d.tenant(req),
          req.params.kind,
          req.params.locale,
          n,
          req.consoleSession?.keyId ?? null,
        );
        return reply
          .code(303)
          .header('location', `${base(req.params)}?v=${n}`)
          .send();
      } catch (err) {
        return failed(reply, err);
      }
    },
  );
};
