import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { PROCESS_OWNER } from '../../jobs/lease';
import * as tenants from '../../tenants/service';
import { CsvRecord, readCsv } from '../../kernel/csv';
import { Conflict, fieldErrors, Invalid, NotFound } from '../../kernel/errors';
import { CompletionImport, CompletionImportDoc, UserIdKind } from '../model';
import { activityResolver, CompletionInput, lmsIdKindOf } from '../rules';
import { blank, ChangedBy, inBackground, LEASE_MS, leaseFree } from './common';
import { ingestBatch } from './ingest';
import { getSource } from './sources';

// CSV import: preview (all rows checked, nothing written), then a resumable job writes the rows.

export const CSV_COLUMNS = ['email', 'lms_id', 'course_id', 'activity_id', 'activity_title', 'completed_on', 'hours', 'certificate', 'name'] as const;
export const MAX_IMPORT_ROWS = 10_000;
const IMPORT_BATCH = 100;

export interface RowError {
  line: number;
  field: string;
  message: string;
}

/** A checked CSV row as it waits in the import document. */
interface ImportRow {
  line: number;
  email?: string;
  lmsUserId?: string;
  courseId?: string;
  activityId?: string;
  activityTitle?: string;
  completedAt: string;
  hours?: number;
  certificate?: string;
  name?: string;
}

export type ImportPreview = { ok: true; importId: Types.ObjectId; total: number; sample: ImportRow[] } | { ok: false; total: number; errors: RowError[] };

const EARLIEST = Date.UTC(1990, 0, 1);
const optionalCell = (max: number) => z.preprocess(blank, z.string().max(max, `Keep it under ${max} characters`).optional());

const CsvRow = z
  .object({
    email: z.preprocess(blank, z.string().email('Not an email address').max(200).optional()),
    lms_id: z.preprocess(blank, z.string().regex(/^[\w.:@-]{1,100}$/, 'Use the LMS user id (letters, digits, . : @ - _)').optional()),
    course_id: z.preprocess(blank, z.string().regex(/^[\w.:@-]{1,100}$/, 'Use the LMS course id (letters, digits, . : @ - _)').optional()),
    activity_id: z.preprocess(blank, z.string().regex(/^[a-f0-9]{24}$/i, 'Not an activity id').optional()),
    activity_title: optionalCell(200),
    completed_on: z.preprocess(
      blank,
      z
        .string('Give the completion date (YYYY-MM-DD)')
        .refine((v) => !Number.isNaN(Date.parse(v)), 'Give the date as YYYY-MM-DD')
        .refine((v) => Date.parse(v) >= EARLIEST, 'The date is before 1990')
        .refine((v) => Date.parse(v) <= Date.now() + 86_400_000, 'The date is in the future'),
    ),
    hours: z.preprocess(blank, z.coerce.number('Give hours as a number').min(0, 'Hours cannot be negative').max(500, 'At most 500 hours').optional()),
    certificate: optionalCell(500),
    name: optionalCell(200),
  })
  .refine((r) => r.email || r.lms_id, { message: 'Give the person’s email or LMS user id', path: ['email'] })
  .refine((r) => r.course_id || r.activity_id || r.activity_title, { message: 'Give a course id, activity id or activity title', path: ['course_id'] });

/** The file's rows by column, or what is wrong with the file as a whole. */
function readRows(text: string): { records: CsvRecord[] } | { error: string } {
  let records: CsvRecord[];
  try {
    records = readCsv(text, { maxRows: MAX_IMPORT_ROWS });
  } catch (err) {
    if (err instanceof Invalid) return { error: err.fields.file ?? err.message };
    throw err;
  }
  const unknown = Object.keys(records[0]!.fields).filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (unknown.length) return { error: `Unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Columns are: ${CSV_COLUMNS.join(', ')}.` };
  return { records };
}

type Resolve = ReturnType<typeof activityResolver>;

/** One line: the row to import, or what is wrong with it. */
function checkRow({ line, fields }: CsvRecord, resolve: Resolve): { row: ImportRow } | { errors: RowError[] } {
  const parsed = CsvRow.safeParse(fields);
  if (!parsed.success) return { errors: Object.entries(fieldErrors(parsed.error)).map(([field, message]) => ({ line, field, message })) };
  const r = parsed.data;
  const activity = r.course_id ? {} : resolve(r);
  if (activity.error) return { errors: [{ line, field: r.activity_id ? 'activity_id' : 'activity_title', message: activity.error }] };
  return { row: { line, email: r.email, lmsUserId: r.lms_id, courseId: r.course_id, activityId: activity.activityId, activityTitle: r.activity_title, completedAt: new Date(r.completed_on).toISOString(), hours: r.hours, certificate: r.certificate, name: r.name } };
}

/** Checks every row; a valid file is kept for confirmation, an invalid one is reported and nothing is stored. */
export async function previewImport(tenantId: TenantId, file: { name: string; text: string }, by: ChangedBy): Promise<ImportPreview> {
  const read = readRows(file.text);
  if ('error' in read) return { ok: false, total: 0, errors: [{ line: 1, field: 'file', message: read.error }] };
  const resolve = activityResolver(await catalog.listActivities(tenantId, { includeRetired: true }));
  const errors: RowError[] = [];
  const rows: ImportRow[] = [];
  for (const record of read.records) {
    const checked = checkRow(record, resolve);
    if ('errors' in checked) errors.push(...checked.errors);
    else rows.push(checked.row);
  }
  if (errors.length) return { ok: false, total: read.records.length, errors };
  const doc = await CompletionImport.create({ tenantId, fileName: file.name.slice(0, 200), rows, total: rows.length, createdBy: by });
  return { ok: true, importId: doc._id, total: rows.length, sample: rows.slice(0, 10) };
}

export async function getImport(tenantId: TenantId, importId: Types.ObjectId | string): Promise<CompletionImportDoc> {
  const doc = Types.ObjectId.isValid(importId) ? await CompletionImport.findOne(scoped(tenantId, { _id: importId })).select('-rows').lean<CompletionImportDoc>() : null;
  if (!doc) throw new NotFound('That import');
  return doc;
}

/** Confirms a previewed file: the import runs in the background and resumes after a restart. */
export async function startImport(tenantId: TenantId, importId: Types.ObjectId, by: ChangedBy): Promise<void> {
  const csv = await getSource(tenantId, 'csv');
  if (!csv.enabled) throw new Conflict('CSV import is turned off for this district.');
  const started = await CompletionImport.findOneAndUpdate(scoped(tenantId, { _id: importId, status: 'previewed' }), { $set: { status: 'running', startedAt: new Date() } }, { new: true }).select('-rows').lean<CompletionImportDoc>();
  if (!started) throw new Conflict('This import has already been started.');
  await audit.record(tenantId, { actor: by, action: 'completion-import.started', subject: { kind: 'completion-import', id: importId }, after: { file: started.fileName, rows: started.total } });
  inBackground('CSV import', () => runImport(tenantId, importId).then(() => undefined));
}

function csvInput(row: ImportRow, lmsIdKind: UserIdKind): CompletionInput {
  const lmsUserId = row.lmsUserId ?? row.email!;
  return {
    source: 'csv',
    courseId: row.courseId,
    activityId: row.activityId ? new Types.ObjectId(row.activityId) : undefined,
    courseTitle: row.activityTitle,
    lmsUserId,
    userIdKind: row.lmsUserId ? lmsIdKind : 'email',
    userEmail: row.email,
    userName: row.name,
    completedAt: new Date(row.completedAt),
    hours: row.hours,
    payload: { line: row.line, ...(row.certificate ? { certificate: row.certificate } : {}) },
  };
}

/** Writes the rows of a running import in batches, under a lease, from where it stopped; returns false if another process holds it. */
export async function runImport(tenantId: TenantId, importId: Types.ObjectId, now = new Date()): Promise<boolean> {
  const lease = `${PROCESS_OWNER}:${new Types.ObjectId().toHexString()}`;
  const leaseFor = () => new Date(Math.max(Date.now(), now.getTime()) + LEASE_MS);
  const job = await CompletionImport.findOneAndUpdate(scoped(tenantId, { _id: importId, status: 'running', ...leaseFree(now) }), { $set: { leaseOwner: lease, leaseUntil: leaseFor() } }, { new: true }).lean<CompletionImportDoc & { rows: ImportRow[] }>();
  if (!job) return false;
  const idKind = lmsIdKindOf((await tenants.getTenant(tenantId)).family);
  for (let from = job.done; from < job.total; from += IMPORT_BATCH) {
    const batch = job.rows.slice(from, from + IMPORT_BATCH).map((r) => csvInput(r, idKind));
    const result = await ingestBatch(tenantId, 'csv', batch);
    const saved = await CompletionImport.updateOne(scoped(tenantId, { _id: importId, leaseOwner: lease }), {
      $set: { done: Math.min(job.total, from + IMPORT_BATCH), leaseUntil: leaseFor() },
      $inc: { received: result.received, duplicates: result.duplicates },
    });
    if (!saved.modifiedCount) return false;
  }
  await CompletionImport.updateOne(scoped(tenantId, { _id: importId, leaseOwner: lease }), { $set: { status: 'finished', finishedAt: new Date() }, $unset: { leaseOwner: 1, leaseUntil: 1 } });
  return true;
}

/** The import job: running imports nobody holds (their process stopped) continue where they were. */
export async function resumeImports(asOf = new Date()): Promise<void> {
  for (const tenant of await tenants.listTenants()) {
    const stalled = await CompletionImport.find(scoped(tenant._id, { status: 'running', ...leaseFree(asOf) })).select('_id').lean<{ _id: Types.ObjectId }[]>();
    for (const { _id } of stalled) await runImport(tenant._id, _id, asOf);
  }
}
