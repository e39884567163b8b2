// Per-message render after compiling once, against mjml2html per message (the naive way).
import mjml2html from 'mjml';
import { readFileSync } from 'node:fs';
import { compileTemplate } from '../src/mail/compile.js';
import { loadTemplates } from '../src/mail/templates.js';
import { median, report, round } from './lib.js';

const templates = await loadTemplates('templates');
const source = readFileSync('templates/en/invite/body.mjml', 'utf8');
const data = (i: number) => ({
  inviterName: `Grace ${i}`,
  scope: { type: 'organization', id: `acme-${i}` },
  role: 'admin',
  url: `http://localhost:3000/i/abcdefghij${i % 100}`,
  expiresAt: Date.now() + 86_400_000,
  locale: 'en',
});

function timeEach(n: number, fn: (i: number) => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out;
}

// A tenant's published version (here the files' text, compiled as the API compiles a draft) with
// its branding: what a worker renders once the version is compiled and cached.
const published = await compileTemplate(templates.source('invite', 'en')!);
if (!('compiled' in published)) throw new Error('the files do not compile');
const look = {
  brand: {
    productName: 'Acme',
    primaryColor: '#0f766e',
    logoUrl: 'https://acme.example/l.png',
    footer: 'Acme Inc.',
    supportUrl: '',
  },
  compiled: published.compiled,
};
for (let i = 0; i < 2000; i++) templates.render('invite', data(i), look); // warm up
const tenant = timeEach(20_000, (i) => templates.render('invite', data(i), look));
for (let i = 0; i < 2000; i++) templates.render('invite', data(i)); // warm up
const compiled = timeEach(20_000, (i) => templates.render('invite', data(i)));
const naive: number[] = [];
for (let i = 0; i < 200; i++) {
  const t0 = process.hrtime.bigint();
  // what a naive pipeline does: substitute, then compile the whole MJML for every message
  await mjml2html(source.replaceAll('{{inviterName}}', `Grace ${i}`).replaceAll('{{url}}', data(i).url), {
    validationLevel: 'skip',
  });
  naive.push(Number(process.hrtime.bigint() - t0) / 1000);
}
const m = median(compiled);
const n = median(naive);
const t = median(tenant);
report('render', {
  herald_median_us: round(m),
  tenant_template_median_us: round(t),
  tenant_over_files: round(t / m, 2),
  naive_mjml2html_median_us: round(n),
  ratio: round(n / m, 1),
  samples: { herald: compiled.length, naive: naive.length },
});
