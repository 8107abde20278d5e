import type { TenantId } from '../../db/tenancy';
import type { PlatformFamily } from '../../kernel/actor';
import { readCsv } from '../../kernel/csv';
import { Invalid } from '../../kernel/errors';
import * as users from '../../users/service';
import { count } from '../../web/format';
import { AssignmentBatchDoc, PathwayDoc } from '../model';
import { emailWarning, groupByAssignment, markDuplicateLines, parseDueDate, pathwayFinder } from '../rules';
import { PlannedAssignment, saveBatch } from './batches';
import { ChangedBy, Id } from './common';
import { alreadyOn } from './enrolments';
import { listPublished } from './versions';

// Assignment files: email and/or lms_id, pathway, due_date; every line is checked before anything is written.

export const MAX_CSV_ROWS = 5000;
const ASSIGNMENT_COLUMNS = { required: [['email', 'lms_id'], ['pathway']], optional: ['due_date', 'name'] };

/** One CSV line checked: the person it names (known or to create), the pathway, the due date. */
interface CheckedLine {
  line: number;
  problems: string[];
  userId?: Id;
  person?: users.PendingPerson;
  /** Why a new person's identifier looks wrong (shown on the preview). */
  warning?: string;
  displayName: string;
  pathway?: PathwayDoc;
  dueAt?: Date;
}

async function existingPerson(tenantId: TenantId, person: users.PendingPerson) {
  for (const kind of ['email', 'canvasId', 'moodleId', 'sourcedId'] as const) {
    const value = person[kind];
    if (value) {
      const found = await users.findByAlias(tenantId, kind, value);
      if (found) return found;
    }
  }
  return null;
}

interface FileContext {
  family: PlatformFamily;
  findPathway: (ref: string) => PathwayDoc | undefined;
  domains: Set<string>;
}

async function checkLine(tenantId: TenantId, fields: Record<string, string>, line: number, ctx: FileContext): Promise<CheckedLine> {
  const problems: string[] = [];
  const person = users.personFromRow(fields, ctx.family);
  if (typeof person === 'string') problems.push(person);
  const ref = fields.pathway ?? '';
  const pathway = ref ? ctx.findPathway(ref) : undefined;
  if (!ref) problems.push('Name the pathway (its title or short name)');
  else if (!pathway) problems.push(`No published pathway is called “${ref}”`);
  const due = parseDueDate(fields.due_date ?? fields.due ?? '');
  if (typeof due === 'string') problems.push(due);
  const out: CheckedLine = { line, problems, pathway, dueAt: typeof due === 'string' ? undefined : due, displayName: '' };
  if (typeof person === 'string') return out;
  const user = await existingPerson(tenantId, person);
  return { ...out, ...(user ? { userId: user._id } : { person, warning: emailWarning(person, ctx.domains) }), displayName: user?.name || person.name };
}

async function checkedLines(tenantId: TenantId, csv: string, family: PlatformFamily): Promise<CheckedLine[]> {
  const records = readCsv(csv, { maxRows: MAX_CSV_ROWS, columns: ASSIGNMENT_COLUMNS });
  const ctx: FileContext = { family, domains: await users.knownEmailDomains(tenantId), findPathway: pathwayFinder(await listPublished(tenantId)) };
  const lines: CheckedLine[] = [];
  for (const r of records) lines.push(await checkLine(tenantId, r.fields, r.line, ctx));
  markDuplicateLines(lines);
  const bad = lines.filter((l) => l.problems.length);
  if (bad.length) throw new Invalid(`${bad.length} of ${count(lines.length, 'line')} ${bad.length === 1 ? 'needs' : 'need'} attention; nothing was assigned.`, Object.fromEntries(bad.slice(0, 200).map((l) => [`line ${l.line}`, l.problems.join('; ')])));
  return lines;
}

/**
 * Reads an assignment CSV (email and/or lms_id, pathway, due_date): every line is checked before
 * anything is written; a clean file becomes a batch to preview, a bad one is refused whole.
 */
export async function planFromCsv(tenantId: TenantId, csv: string, fileName: string, family: PlatformFamily, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const lines = (await checkedLines(tenantId, csv, family)) as (CheckedLine & { pathway: PathwayDoc })[];
  const { assignments, indexOf } = groupByAssignment(lines);
  const planned: PlannedAssignment[] = assignments.map((a) => ({ ...a, target: { kind: 'csv', label: fileName } }));
  const on = await alreadyOn(tenantId, [...new Set(lines.map((l) => l.pathway.slug))], lines.flatMap((l) => (l.userId ? [l.userId] : [])));
  const rows = lines.map((l, i) => ({ line: l.line, userId: l.userId, person: l.person, warning: l.warning, displayName: l.displayName, assignment: indexOf[i]!, alreadyEnrolled: !!l.userId && on.has(`${l.pathway.slug}:${l.userId}`) }));
  return saveBatch(tenantId, fileName, planned, rows, by);
}
