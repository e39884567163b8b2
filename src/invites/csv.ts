import { parse } from 'csv-parse';
import { HeraldError } from '../errors.js';
import { email, personName, sharedFields, text, type Recipient } from './inputs.js';

export const CSV_MAX_BYTES = 10 * 1024 * 1024;

interface RowError {
  line: number;
  column: string;
  message: string;
}

const COLUMN = /^(email|name|role|locale|metadata\.[A-Za-z0-9_.-]{1,100})$/;
const checks: Record<string, (v: string) => string | null> = {
  email: (v) => (email.safeParse(v).success ? null : 'must be a valid e-mail address'),
  name: (v) => (personName.safeParse(v).success ? null : 'must be 1 to 200 characters on one line'),
  role: (v) => (text(100).safeParse(v).success ? null : 'must be 1 to 100 characters on one line'),
  locale: (v) =>
    sharedFields.locale.safeParse(v).success ? null : 'must be a language tag like en or pt-BR',
};

/**
 * Reads a bulk CSV (RFC 4180; UTF-8 with or without BOM; CRLF or LF): a header naming `email`
 * and any of `name`, `role`, `locale`, `metadata.<key>`, then one recipient per row. An empty
 * cell means "the shared value". Every bad row is reported at once, with its line (the header is
 * line 1; a row spanning lines is named by its last) and column, as 400 `invalid_rows`.
 */
export async function readRecipientsCsv(
  body: Buffer | string,
  maxRows: number,
): Promise<{ recipients: Recipient[]; lines: number[] }> {
  const errors: RowError[] = [];
  const rows: { line: number; cells: string[] }[] = [];
  const parser = parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true });
  const done = new Promise<void>((resolve) => {
    parser.on('data', (r: { record: string[]; info: { lines: number } }) => {
      // The header, the rows allowed, and one more to know the file was too long.
      if (rows.length <= maxRows + 1) rows.push({ line: r.info.lines, cells: r.record });
    });
    parser.on('error', (err: Error & { lines?: number }) => {
      errors.push({ line: err.lines ?? 0, column: '', message: `not valid CSV: ${err.message}` });
      resolve();
    });
    parser.on('end', () => resolve());
  });
  parser.end(body);
  await done;

  const [header, ...records] = rows;
  const fail = (details: RowError[]) =>
    new HeraldError('invalid_rows', 400, `${details.length} row(s) of the CSV are not valid.`, details);
  if (!header) throw fail([{ line: 1, column: '', message: 'the file has no header row' }, ...errors]);
  const columns = header.cells.map((c) => c.trim());
  columns.forEach((c) => {
    if (!COLUMN.test(c))
      errors.push({
        line: 1,
        column: c,
        message: 'unknown column (use email, name, role, locale, metadata.<key>)',
      });
  });
  if (!columns.includes('email'))
    errors.push({ line: 1, column: 'email', message: 'the header must name an email column' });
  if (new Set(columns).size !== columns.length)
    errors.push({ line: 1, column: '', message: 'a column is named twice' });
  if (records.length > maxRows) errors.push({ line: 0, column: '', message: `at most ${maxRows} rows` });
  if (records.length === 0 && errors.length === 0)
    errors.push({ line: 2, column: '', message: 'no recipients' });
  if (errors.length) throw fail(errors);

  const out: Recipient[] = [];
  const lines: number[] = [];
  for (const { line, cells } of records) {
    if (cells.length > columns.length)
      errors.push({ line, column: '', message: `more cells than the header's ${columns.length}` });
    const r: Recipient = { email: '' };
    const metadata: Record<string, string> = {};
    columns.forEach((column, i) => {
      const value = (cells[i] ?? '').trim();
      if (column === 'email' && value === '') return errors.push({ line, column, message: 'is required' });
      if (value === '') return;
      const problem = checks[column]?.(value) ?? null;
      if (problem) return errors.push({ line, column, message: problem });
      if (column.startsWith('metadata.')) metadata[column.slice(9)] = value;
      else (r as unknown as Record<string, string>)[column] = value;
    });
    if (Buffer.byteLength(JSON.stringify(metadata)) > 8 * 1024) {
      errors.push({
        line,
        column: 'metadata',
        message: 'the metadata.* cells must be at most 8 KiB as JSON',
      });
    }
    if (Object.keys(metadata).length) r.metadata = metadata;
    out.push(r);
    lines.push(line);
  }
  if (errors.length) throw fail(errors.slice(0, 1000));
  return { recipients: out, lines };
}
