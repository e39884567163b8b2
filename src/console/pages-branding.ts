import type { FastifyPluginAsync } from 'fastify';
import {
  BRANDING_FIELDS,
  brandingInput,
  checkSender,
  normalise,
  type Branding,
} from '../branding/branding.js';
import { HeraldError } from '../errors.js';
import { esc } from './html.js';
import type { PageDeps } from './deps.js';

const LABELS: Record<keyof Branding, string> = {
  productName: 'Product name',
  logoUrl: 'Logo (https URL)',
  primaryColor: 'Primary colour (#rrggbb)',
  fromName: 'From name',
  fromAddress: 'From address',
  replyTo: 'Reply-To address',
  footer: 'Footer line',
  supportUrl: 'Support link (https URL)',
};

/** The tenant's branding (DESIGN §16) as a form; empty fields fall back to Herald's. */
export const brandingPages: FastifyPluginAsync<PageDeps> = async (app, d) => {
  const form = (b: Branding, error = '') => `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/console/branding" class="card">
  ${BRANDING_FIELDS.map(
    (f) =>
      `<label for="${f}">${esc(LABELS[f])}</label><input id="${f}" name="${f}" value="${esc(b[f] ?? '')}"${f === 'primaryColor' ? ' pattern="#[0-9a-fA-F]{6}"' : ''}>`,
  ).join('\n  ')}
  <button type="submit">Save the branding</button>
</form>
<p class="muted">From addresses may use: ${esc(d.senderDomains.join(', '))}. Messages and pages use a change within a second.</p>`;

  app.get('/console/branding', { schema: { hide: true } }, async (req, reply) =>
    d.render(reply, 'Branding', form(await d.branding.get(d.tenant(req)))),
  );
  app.post<{ Body: Record<string, unknown> }>(
    '/console/branding',
    { schema: { hide: true } },
    async (req, reply) => {
      const given = Object.fromEntries(
        BRANDING_FIELDS.map((f) => [
          f,
          typeof req.body?.[f] === 'string' && req.body[f] !== '' ? req.body[f] : null,
        ]),
      );
      const parsed = brandingInput.safeParse(given);
      const shown = given as Branding;
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        return d.render(reply, 'Branding', form(shown, message), { status: 400 });
      }
      const b = normalise(parsed.data);
      try {
        checkSender(b, d.senderDomains);
      } catch (err) {
        if (!(err instanceof HeraldError)) throw err;
        return d.render(reply, 'Branding', form(shown, err.message), { status: err.status });
      }
      await d.branding.put(d.tenant(req), b);
      return reply.code(303).header('location', '/console/branding').send();
    },
  );
};
