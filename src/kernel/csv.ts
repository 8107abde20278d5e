import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { Invalid } from './errors';

/** One data row of an uploaded CSV file: its line number in the file and its fields by column key. */
export interface CsvRecord {
  line: number;
  fields: Record<string, string>;
}

/** Header names compared loosely: "E-mail", " email" and "EMAIL" are one column ("e_mail" and "email" differ). */
export function columnKey(name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** The columns a file must have: each entry is one column, or a choice of columns (["email", "lms_id"]). */
export interface ColumnSpec {
  required: string[][];
  optional: string[];
}

/** Edit distance up to 2, enough to spot "pathwya" or "emial". */
function near(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]! <= 2;
}

const quoted = (names: string[]) => names.map((n) => `“${n}”`).join(' or ');

/** One message for a header row that lacks a needed column, with the closest column it does have. */
function headerProblem(raw: string[], spec: ColumnSpec): string | undefined {
  const keys = raw.map(columnKey);
  const missing = spec.required.filter((choice) => !choice.some((c) => keys.includes(c)));
  if (!missing.length) return undefined;
  const known = [...spec.required.flat(), ...spec.optional];
  const hints = raw.flatMap((name, i) => {
    const key = keys[i]!;
    if (known.includes(key)) return [];
    const guess = known.find((k) => near(key, k) || key.includes(k) || (k.length > 3 && k.includes(key)));
    return guess ? [`“${name}” looks like “${guess}”`] : [];
  });
  return [
    `The header row needs ${missing.map((c) => `a column ${quoted(c)}`).join(' and ')}, so no line was read.`,
    `Its columns are ${raw.length ? raw.map((n) => `“${n}”`).join(', ') : 'empty'}.`,
    hints.length ? `${hints.join('; ')}: rename ${hints.length === 1 ? 'it' : 'them'} and upload the file again.` : `Name the columns ${spec.required.map(quoted).join(', ')}${spec.optional.length ? ` (optional: ${spec.optional.map((o) => `“${o}”`).join(', ')})` : ''}.`,
  ].join(' ');
}

/** Reads an uploaded CSV (header row first); a malformed or oversized file, or a wrong header row, is refused as a whole. */
export function readCsv(text: string, opts: { maxRows: number; field?: string; columns?: ColumnSpec }): CsvRecord[] {
  const field = opts.field ?? 'file';
  let parsed: { record: Record<string, string>; info: { lines: number } }[];
  let header: string[] = [];
  try {
    parsed = parse(text, { columns: (names: string[]) => ((header = names.map((n) => n.trim())), header.map(columnKey)), bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count_less: true });
  } catch (err) {
    throw new Invalid('The file is not a CSV file we can read; nothing was saved.', { [field]: `Not readable as CSV: ${(err as Error).message}` });
  }
  const wrongHeader = opts.columns && header.length ? headerProblem(header, opts.columns) : undefined;
  if (wrongHeader) throw new Invalid('The file’s header row needs attention; nothing was saved.', { [field]: wrongHeader });
  if (!parsed.length) throw new Invalid('The file has no rows; nothing was saved.', { [field]: 'Give a header row and at least one row' });
  if (parsed.length > opts.maxRows) throw new Invalid('The file is too long; nothing was saved.', { [field]: `At most ${opts.maxRows} rows in one file` });
  return parsed.map(({ record, info }) => ({ line: info.lines, fields: record }));
}

/** A cell a spreadsheet would run as a formula gets a leading quote (CSV injection). */
function safeCell(value: unknown): unknown {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** CSV text for a download: a header row from the column labels, then one line per row. */
export function csvText<T>(rows: T[], columns: { header: string; value: (row: T) => unknown }[]): string {
  return stringify(
    rows.map((r) => columns.map((c) => safeCell(c.value(r)))),
    { header: true, columns: columns.map((c) => c.header) },
  );
}
