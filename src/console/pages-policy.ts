import type { FastifyPluginAsync } from 'fastify';
import { policyInput, type Policy } from '../policy/policy.js';
import { esc } from './html.js';
import type { PageDeps } from './deps.js';

const FLAGS = {
  blockFreeMail: 'Refuse free-mail addresses (gmail.com, outlook.com, …)',
  blockDisposable: 'Refuse disposable addresses',
  blockSubaddressing: 'Refuse addresses with a +tag',
  requireApproval: 'New invites wait for an approval before anything is sent',
} as const;

/** The invite policy (DESIGN §17) as a form: domains one per line, the rules as checkboxes. */
export const policyPages: FastifyPluginAsync<PageDeps> = async (app, d) => {
  const form = (p: Policy, error = '') => `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/console/policy" class="card">
  <label for="allowedDomains">Allowed domains (one per line; empty: any domain not blocked)</label>
  <textarea id="allowedDomains" name="allowedDomains" rows="4">${esc(p.allowedDomains.join('\n'))}</textarea>
  <label for="blockedDomains">Blocked domains (one per line; a domain covers its subdomains)</label>
  <textarea id="blockedDomains" name="blockedDomains" rows="4">${esc(p.blockedDomains.join('\n'))}</textarea>
  ${(Object.keys(FLAGS) as (keyof typeof FLAGS)[])
    .map(
      (k) =>
        `<label class="check"><input type="checkbox" name="${k}" value="on"${p[k] ? ' checked' : ''}> ${esc(FLAGS[k])}</label>`,
    )
    .join('\n  ')}
  <button type="submit">Save the policy</button>
</form>
<p class="muted">A change applies to invites created after it; pending invites keep working.</p>`;

  app.get('/console/policy', { schema: { hide: true } }, async (req, reply) =>
    d.render(reply, 'Who may be invited', form(await d.policies.get(d.tenant(req)))),
  );
  app.post<{ Body: Record<string, unknown> }>(
    '/console/policy',
    { schema: { hide: true } },
    async (req, reply) => {
      const b = req.body ?? {};
      const lines = (v: unknown) =>
        typeof v === 'string'
          ? v
              .split(/[\s,]+/)
              .map((s) => s.trim())
              .filter(Boolean)
          : [];
      const parsed = policyInput.safeParse({
        allowedDomains: lines(b.allowedDomains),
        blockedDomains: lines(b.blockedDomains),
        ...Object.fromEntries(Object.keys(FLAGS).map((k) => [k, b[k] === 'on'])),
      });
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        return d.render(reply, 'Who may be invited', form(await d.policies.get(d.tenant(req)), message), {
          status: 400,
        });
      }
      await d.policies.put(parsed.data, d.tenant(req));
      return reply.code(303).header('location', '/console/policy').send();
    },
  );
};
