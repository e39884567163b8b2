import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { paths } from '../client/index.js';
import { CliError, cliClient, type CliClient } from './client.js';

/** A batch as GET /v1/batches/{id} answers it (the generated API types). */
type Batch = paths['/v1/batches/{id}']['get']['responses'][200]['content']['application/json'];

const USAGE = `usage: herald send FILE.csv --scope TYPE:ID [--role R] [--send-at ISO]
       herald batch ID
       herald stats
(HERALD_URL and HERALD_API_KEY name the server and the key)`;

const tallies = (b: Batch) =>
  `batch ${b.id} ${b.status}: total ${b.total}, created ${b.created}, duplicates ${b.duplicates}, sent ${b.sent}, failed ${b.failed}, suppressed ${b.suppressed ?? 0}`;

async function send({ herald, call }: CliClient, args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { scope: { type: 'string' }, role: { type: 'string' }, 'send-at': { type: 'string' } },
  });
  const [file] = positionals;
  if (!file) throw new CliError('name the CSV file: herald send FILE.csv --scope TYPE:ID');
  const scope = /^([^:]+):(.+)$/.exec(values.scope ?? '');
  if (!scope) throw new CliError('--scope TYPE:ID is required (for example --scope organization:acme)');
  const csv = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${err.code ?? err.message}`);
  });
  const query: Record<string, string> = { scopeType: scope[1], scopeId: scope[2] };
  if (values.role) query.role = values.role;
  if (values['send-at']) query.sendAt = values['send-at'];
  // The CSV form of the bulk route: the file is the body, the shared fields the query.
  const { batchId, total } = await call(() =>
    herald.POST('/v1/invites/send', {
      body: csv.toString('utf8') as never,
      bodySerializer: (b) => b as unknown as string,
      headers: { 'content-type': 'text/csv' },
      querySerializer: () => new URLSearchParams(query).toString(),
    }),
  );
  const bar = new cliProgress.SingleBar(
    {
      format:
        'sending [{bar}] {percentage}% | {value}/{total} | sent {sent} failed {failed} suppressed {suppressed}',
      // Off a terminal (CI logs, pipes) the bar is printed as a line every half second.
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 500,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { sent: 0, failed: 0, suppressed: 0 });
  for (;;) {
    const b = (await call(() =>
      herald.GET('/v1/batches/{id}', { params: { path: { id: batchId } } }),
    )) as Batch;
    const ended = b.sent + b.failed + (b.suppressed ?? 0) + b.duplicates;
    bar.update(Math.min(ended, total), { sent: b.sent, failed: b.failed, suppressed: b.suppressed ?? 0 });
    if (b.status === 'done') {
      bar.update(total);
      bar.stop();
      console.log(tallies(b));
      return;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const url = process.env.HERALD_URL;
  const key = process.env.HERALD_API_KEY;
  if (!command || command === '--help' || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (!url || !key) throw new CliError('set HERALD_URL and HERALD_API_KEY');
  const client = cliClient(url, key);
  const { herald, call } = client;
  switch (command) {
    case 'send':
      return send(client, rest);
    case 'batch':
      if (!rest[0]) throw new CliError('name the batch: herald batch ID');
      console.log(
        tallies(
          (await call(() => herald.GET('/v1/batches/{id}', { params: { path: { id: rest[0] } } }))) as Batch,
        ),
      );
      return;
    case 'stats': {
      const s = await call(() => herald.GET('/v1/stats', { params: { query: {} } }));
      console.log(
        Object.entries(s.totals)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      );
      console.log(
        `open rate ${(s.rates.open * 100).toFixed(1)} %, accept rate ${(s.rates.accept * 100).toFixed(1)} %`,
      );
      return;
    }
    default:
      throw new CliError(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`herald: ${err instanceof CliError ? err.message : `unexpected error: ${err.message}`}`);
    process.exit(1);
  },
);
