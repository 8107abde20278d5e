import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { PlatformFamily } from '../tenants/service';
import type { PendingPerson } from '../users/service';
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

/** Reads an uploaded CSV (header row first); a malformed or oversized file is refused as a whole. */
export function readCsv(text: string, opts: { maxRows: number; field?: string }): CsvRecord[] {
  const field = opts.field ?? 'file';
  let parsed: { record: Record<string, string>; info: { lines: number } }[];
  try {
    parsed = parse(text, { columns: (header: string[]) => header.map(columnKey), bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count_less: true });
  } catch (err) {
    throw new Invalid('The file is not a CSV file we can read; nothing was saved.', { [field]: `Not readable as CSV: ${(err as Error).message}` });
  }
  if (!parsed.length) throw new Invalid('The file has no rows; nothing was saved.', { [field]: 'Give a header row and at least one row' });
  if (parsed.length > opts.maxRows) throw new Invalid('The file is too long; nothing was saved.', { [field]: `At most ${opts.maxRows} rows in one file` });
  return parsed.map(({ record, info }) => ({ line: info.lines, fields: record }));
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The person a CSV row names by email and/or LMS user id (the platform's own numeric id), as
 * users.ensurePerson takes it; a string says what is wrong with the row.
 */
export function personFromRow(fields: Record<string, string>, family: PlatformFamily): PendingPerson | string {
  const email = fields.email?.toLowerCase();
  const lmsId = fields.lms_id;
  if (!email && !lmsId) return 'Give an email or an LMS id';
  if (email && !EMAIL.test(email)) return `“${fields.email}” is not an email address`;
  if (lmsId && !/^[\w.:@-]{1,64}$/.test(lmsId)) return `“${lmsId}” is not an LMS user id`;
  const idField = family === 'canvas' ? 'canvasId' : family === 'moodle' ? 'moodleId' : 'sourcedId';
  return { name: fields.name || email || lmsId || '', ...(email ? { email } : {}), ...(lmsId ? { [idField]: lmsId } : {}) };
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
