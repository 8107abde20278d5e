import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../audit/service';
import * as catalog from '../catalog/service';
import * as credentials from '../credentials/service';
import { scoped, scopedPipeline, TenantId } from '../db/tenancy';
import * as frameworks from '../frameworks/service';
import * as groups from '../groups/service';
import { PROCESS_OWNER } from '../jobs/lease';
import { addJob } from '../jobs/scheduler';
import { logger } from '../log';
import * as notices from '../notifications/service';
import { courseRoster } from '../lti/nrps';
import * as plans from '../plans/service';
import type { PlatformFamily } from '../kernel/actor';
import { personFromRow } from '../users/service';
import { readCsv } from '../kernel/csv';
import { Conflict, FieldErrors, fieldErrors, Invalid, NotFound } from '../kernel/errors';
import { formList } from '../kernel/validation';
import * as tenants from '../tenants/service';
import * as users from '../users/service';
import { count } from '../web/format';
import { on } from '../events';
import {
  Assignment,
  AssignmentBatch,
  AssignmentBatchDoc,
  AssignmentDoc,
  Enrolment,
  EnrolmentDoc,
  Pathway,
  PathwayDoc,
  RULE_KINDS,
} from './model';

export type { AssignmentBatchDoc, AssignmentDoc, EnrolmentDoc, PathwayDoc };
type Id = Types.ObjectId;

export interface ChangedBy {
  userId: Id;
  name: string;
}

/** Assignments to at most this many people are applied while PD staff wait; larger ones run as a job. */
export const INLINE_BATCH_ROWS = 25;
export const MAX_CSV_ROWS = 5000;
const BATCH_LEASE_MS = 60_000;
/** Rows applied side by side in a batch. */
const BATCH_CHUNK = 4;

// ---------------------------------------------------------------------------------------------
// Validating a pathway

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
const numberField = (v: unknown) => (blank(trimmed(v)) === undefined ? undefined : Number(v));
const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1', z.boolean());
const idField = z.string('Choose an activity').regex(/^[a-f0-9]{24}$/i, 'Choose an activity from the catalog');

/** A pathway as PD staff enter it; steps in order. */
export const PathwayInput = z
  .object({
    title: z.string('Enter a title').trim().min(3, 'Enter a title of at least 3 characters').max(160, 'Keep the title under 160 characters'),
    summary: z.string().trim().max(4000, 'Keep the summary under 4000 characters').default(''),
    competencies: formList(z.string().trim().toUpperCase()),
    targetLevel: z.preprocess(numberField, z.number().int().min(1, 'Choose a level from 1 to 4').max(4, 'Choose a level from 1 to 4').optional()),
    steps: z.array(z.object({ activityId: idField, required: checkbox.default(true) })).max(40, 'A pathway has at most 40 steps').default([]),
    ruleKind: z.enum(RULE_KINDS, 'Choose how the pathway is completed').default('all'),
    ruleN: z.preprocess(numberField, z.number('Enter how many steps').int('Enter a whole number').min(1, 'At least 1 step').optional()),
    ruleHours: z.preprocess(numberField, z.number('Enter the hours as a number').min(0.5, 'At least half an hour').max(2000, 'At most 2000 hours').optional()),
    achievementId: z.preprocess((v) => blank(trimmed(v)), z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a badge from the list').optional()),
    selfEnrol: checkbox.default(false),
  })
  .superRefine(
    (p, ctx) => {
      if (p.ruleKind === 'n-of-m' && p.ruleN === undefined) ctx.addIssue({ code: 'custom', path: ['ruleN'], message: 'Enter how many steps complete the pathway' });
      if (p.ruleKind === 'n-of-m' && p.ruleN !== undefined && p.ruleN > p.steps.length) ctx.addIssue({ code: 'custom', path: ['ruleN'], message: `The pathway has ${count(p.steps.length, 'step')}; choose at most that many` });
      if (p.ruleKind === 'hours' && p.ruleHours === undefined) ctx.addIssue({ code: 'custom', path: ['ruleHours'], message: 'Enter how many hours complete the pathway' });
      if (p.ruleKind === 'all' && p.steps.length && !p.steps.some((s) => s.required)) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'Under “every required step” tick Required on at least one step, or choose “any N of the steps”' });
      const seen = new Map<string, number>();
      p.steps.forEach((s, i) => {
        const first = seen.get(s.activityId.toLowerCase());
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['steps', i, 'activityId'], message: `Already step ${first + 1}` });
        else seen.set(s.activityId.toLowerCase(), i);
      });
    },
    { when: () => true },
  );
export type PathwayInput = z.infer<typeof PathwayInput>;

export type PathwayRule = plans.GoalRule;

function ruleOf(input: PathwayInput): PathwayRule {
  if (input.ruleKind === 'n-of-m') return { kind: 'n-of-m', n: input.ruleN! };
  if (input.ruleKind === 'hours') return { kind: 'hours', hours: input.ruleHours! };
  return { kind: 'all' };
}

/** Checks the fields, that every step is an active catalog activity and every competency is in the framework. */
export async function validatePathway(tenantId: TenantId, raw: unknown): Promise<PathwayInput> {
  const parsed = PathwayInput.safeParse(raw);
  const errors: FieldErrors = parsed.success ? {} : fieldErrors(parsed.error);
  if (parsed.success) Object.assign(errors, await catalogErrors(tenantId, parsed.data));
  if (Object.keys(errors).length || !parsed.success) throw new Invalid('The pathway has problems; nothing was saved.', errors);
  return parsed.data;
}

async function catalogErrors(tenantId: TenantId, input: PathwayInput): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const found = new Map((await catalog.getActivities(tenantId, input.steps.map((s) => new Types.ObjectId(s.activityId)))).map((a) => [String(a._id), a]));
  input.steps.forEach((s, i) => {
    const a = found.get(s.activityId.toLowerCase());
    if (!a) errors[`steps.${i}.activityId`] = 'Not in your catalog';
    else if (a.status === 'retired') errors[`steps.${i}.activityId`] = `${a.title} is retired`;
  });
  const totalHours = [...found.values()].reduce((sum, a) => sum + a.hours, 0);
  if (input.ruleKind === 'hours' && input.ruleHours !== undefined && input.steps.length && input.ruleHours > totalHours) errors.ruleHours = `The steps add up to ${totalHours} h; choose at most that`;
  const codes = (await frameworks.hasActiveFramework(tenantId)) ? new Set((await frameworks.activeFramework(tenantId)).competencies.map((c) => c.code)) : new Set<string>();
  const unknown = input.competencies.filter((c) => !codes.has(c));
  if (unknown.length) errors.competencies = `Not in your framework: ${unknown.join(', ')}`;
  if (input.achievementId && !(await credentials.getAchievement(tenantId, input.achievementId).catch(() => null))) errors.achievementId = 'Choose a badge from the list';
  return errors;
}

async function contentOf(tenantId: TenantId, input: PathwayInput) {
  const ids = input.steps.map((s) => new Types.ObjectId(s.activityId));
  const activities = await catalog.getActivities(tenantId, ids);
  return {
    title: input.title,
    summary: input.summary,
    competencies: [...new Set(input.competencies)],
    targetLevel: input.targetLevel,
    // Under "any N" and hours rules every step counts the same: none is required on its own.
    steps: input.steps.map((s, i) => ({ activityId: ids[i]!, required: input.ruleKind === 'all' ? s.required : true })),
    rule: ruleOf(input),
    achievementId: input.achievementId ? new Types.ObjectId(input.achievementId) : undefined,
    selfEnrol: input.selfEnrol,
    estimatedHours: activities.reduce((sum, a) => sum + a.hours, 0),
    estimatedCost: activities.reduce((sum, a) => sum + a.cost, 0),
  };
}

function summaryOf(p: Pick<PathwayDoc, 'title' | 'version' | 'status' | 'steps' | 'rule'>) {
  return { title: p.title, version: p.version, status: p.status, steps: p.steps.length, rule: p.rule?.kind ?? 'all' };
}

// ---------------------------------------------------------------------------------------------
// Pathways and their versions

function slugFrom(title: string): string {
  const s = title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return s.length >= 2 ? s : `pathway-${Date.now().toString(36)}`;
}

async function freeSlug(tenantId: TenantId, title: string): Promise<string> {
  const base = slugFrom(title);
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!(await Pathway.exists(scoped(tenantId, { slug })))) return slug;
  }
}

/** A new pathway: version 1, a draft until published. */
export async function createPathway(tenantId: TenantId, input: PathwayInput, by: ChangedBy): Promise<PathwayDoc> {
  const content = await contentOf(tenantId, input);
  for (let attempt = 0; ; attempt++) {
    try {
      const created = await Pathway.create({ tenantId, slug: await freeSlug(tenantId, input.title), version: 1, status: 'draft', ...content, createdBy: by });
      const doc = created.toObject() as unknown as PathwayDoc;
      await audit.record(tenantId, { actor: by, action: 'pathway.created', subject: { kind: 'pathway', id: doc._id }, after: summaryOf(doc) });
      return doc;
    } catch (err) {
      // Two pathways with the same title created at once took the same slug: pick the next one.
      if ((err as { code?: number }).code !== 11000 || attempt >= 3) throw err;
    }
  }
}

/** Only drafts are edited in place; a published version is revised through a new draft (startRevision). */
export async function updateDraft(tenantId: TenantId, id: Id, input: PathwayInput, by: ChangedBy): Promise<PathwayDoc> {
  const before = await getPathway(tenantId, id);
  const content = await contentOf(tenantId, input);
  const unset = { ...(content.targetLevel === undefined ? { targetLevel: 1 } : {}), ...(content.achievementId === undefined ? { achievementId: 1 } : {}) };
  const set = Object.fromEntries(Object.entries(content).filter(([, v]) => v !== undefined));
  const after = await Pathway.findOneAndUpdate(scoped(tenantId, { _id: id, status: 'draft' }), { $set: set, $unset: unset }, { new: true }).lean<PathwayDoc>();
  if (!after) throw new Conflict('Only a draft can be edited; start a new version of a published pathway instead.');
  await audit.record(tenantId, { actor: by, action: 'pathway.updated', subject: { kind: 'pathway', id }, before: summaryOf(before), after: summaryOf(after) });
  return after;
}

/** Editing a published pathway: the draft of its next version (created once, a copy of the latest version). */
export async function startRevision(tenantId: TenantId, id: Id, by: ChangedBy): Promise<PathwayDoc> {
  const from = await getPathway(tenantId, id);
  if (from.status === 'draft') return from;
  const existing = await Pathway.findOne(scoped(tenantId, { slug: from.slug, status: 'draft' })).lean<PathwayDoc>();
  if (existing) return existing;
  const latest = (await versionsOf(tenantId, from.slug))[0]!;
  const { _id, status: _s, publishedAt: _pa, publishedBy: _pb, createdAt: _c, updatedAt: _u, ...content } = latest as PathwayDoc & { createdAt?: Date; updatedAt?: Date };
  try {
    const created = await Pathway.create({ ...content, _id: new Types.ObjectId(), version: latest.version + 1, status: 'draft', createdBy: by });
    const doc = created.toObject() as unknown as PathwayDoc;
    await audit.record(tenantId, { actor: by, action: 'pathway.revision-started', subject: { kind: 'pathway', id: doc._id }, after: summaryOf(doc) });
    return doc;
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
    const raced = await Pathway.findOne(scoped(tenantId, { slug: from.slug, status: 'draft' })).lean<PathwayDoc>();
    if (!raced) throw err;
    return raced;
  }
}

/** Publishing makes a draft the current version; the version it replaces stays for the people on it. */
export async function publish(tenantId: TenantId, id: Id, by: ChangedBy): Promise<PathwayDoc> {
  const draft = await getPathway(tenantId, id);
  if (draft.status !== 'draft') throw new Conflict('Only a draft can be published.');
  if (!draft.steps.length) throw new Invalid('Add at least one step before publishing.', { steps: 'Add at least one step' });
  const retired = (await catalog.getActivities(tenantId, draft.steps.map((s) => s.activityId))).filter((a) => a.status === 'retired');
  if (retired.length) throw new Invalid(`Replace retired activities before publishing: ${retired.map((a) => a.title).join(', ')}.`, { steps: 'A step is retired' });
  const published = await Pathway.findOneAndUpdate(scoped(tenantId, { _id: id, status: 'draft' }), { $set: { status: 'published', publishedAt: new Date(), publishedBy: by } }, { new: true }).lean<PathwayDoc>();
  if (!published) throw new Conflict('This draft was published or removed meanwhile.');
  await Pathway.updateMany(scoped(tenantId, { slug: draft.slug, status: 'published', _id: { $ne: id } }), { $set: { status: 'superseded' } });
  await audit.record(tenantId, { actor: by, action: 'pathway.published', subject: { kind: 'pathway', id }, after: summaryOf(published) });
  return published;
}

/** An archived pathway takes no new assignments or self-enrolments; people on it keep their goals. */
export async function archive(tenantId: TenantId, id: Id, by: ChangedBy): Promise<void> {
  const { modifiedCount } = await Pathway.updateOne(scoped(tenantId, { _id: id, status: 'published' }), { $set: { status: 'archived' } });
  if (!modifiedCount) throw new Conflict('Only the published version of a pathway can be archived.');
  await audit.record(tenantId, { actor: by, action: 'pathway.archived', subject: { kind: 'pathway', id } });
}

export async function deleteDraft(tenantId: TenantId, id: Id, by: ChangedBy): Promise<void> {
  const draft = await getPathway(tenantId, id);
  const { deletedCount } = await Pathway.deleteOne(scoped(tenantId, { _id: id, status: 'draft' }));
  if (!deletedCount) throw new Conflict('Only a draft can be deleted.');
  await audit.record(tenantId, { actor: by, action: 'pathway.draft-deleted', subject: { kind: 'pathway', id }, before: summaryOf(draft) });
}

/** A pathway with this title, created and published if there is none yet (demo data); idempotent. */
export async function ensurePublishedPathway(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<PathwayDoc> {
  const input = await validatePathway(tenantId, raw);
  const slug = slugFrom(input.title);
  const existing = (await Pathway.findOne(scoped(tenantId, { slug, status: 'published' })).lean<PathwayDoc>()) ?? (await versionsOf(tenantId, slug))[0];
  if (existing) return existing; // PD staff may have archived it or opened a draft: leave it as they made it
  return publish(tenantId, (await createPathway(tenantId, input, by))._id, by);
}

export async function getPathway(tenantId: TenantId, id: Id | string): Promise<PathwayDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Pathway.findOne(scoped(tenantId, { _id: id })).lean<PathwayDoc>() : null;
  if (!doc) throw new NotFound('That pathway');
  return doc;
}

/** Every version of one pathway, newest first. */
export function versionsOf(tenantId: TenantId, slug: string): Promise<PathwayDoc[]> {
  return Pathway.find(scoped(tenantId, { slug })).sort({ version: -1 }).lean<PathwayDoc[]>();
}

/** The latest version of each pathway (a draft when one is open), by title: PD staff's list. */
export async function latestVersions(tenantId: TenantId): Promise<{ latest: PathwayDoc; published?: PathwayDoc }[]> {
  const all = await Pathway.find(scoped(tenantId)).sort({ slug: 1, version: -1 }).lean<PathwayDoc[]>();
  const bySlug = new Map<string, PathwayDoc[]>();
  for (const p of all) bySlug.set(p.slug, [...(bySlug.get(p.slug) ?? []), p]);
  return [...bySlug.values()]
    .map((versions) => ({ latest: versions[0]!, published: versions.find((v) => v.status === 'published') }))
    .sort((a, b) => a.latest.title.localeCompare(b.latest.title));
}

/** The current published version of every pathway (what teachers and placements see). */
export function listPublished(tenantId: TenantId): Promise<PathwayDoc[]> {
  return Pathway.find(scoped(tenantId, { status: 'published' })).sort({ title: 1 }).lean<PathwayDoc[]>();
}

/** The version teachers should see for any version's id: the published one of its pathway, if any. */
export async function currentOf(tenantId: TenantId, id: Id | string): Promise<PathwayDoc> {
  const doc = await getPathway(tenantId, id);
  if (doc.status === 'published') return doc;
  return (await Pathway.findOne(scoped(tenantId, { slug: doc.slug, status: 'published' })).lean<PathwayDoc>()) ?? doc;
}

/** The pathway's steps as catalog activities, in order (a step whose activity vanished is left out). */
export async function stepActivities(tenantId: TenantId, p: Pick<PathwayDoc, 'steps'>): Promise<{ activity: catalog.ActivityDoc; required: boolean }[]> {
  const found = new Map((await catalog.getActivities(tenantId, p.steps.map((s) => s.activityId))).map((a) => [String(a._id), a]));
  return p.steps.flatMap((s) => {
    const activity = found.get(String(s.activityId));
    return activity ? [{ activity, required: s.required ?? true }] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Enrolment: a person on a pathway, with the assigned goal in their plan

export function ruleText(rule: PathwayRule | undefined | null, steps: number): string {
  if (rule?.kind === 'n-of-m') return `Complete any ${rule.n} of the ${steps} steps`;
  if (rule?.kind === 'hours') return `Complete ${rule.hours} hours of the steps`;
  return 'Complete every required step';
}

function goalFor(p: PathwayDoc, assignmentKey: string, dueAt: Date | undefined): plans.AssignedGoalInput {
  return {
    assignmentKey,
    statement: `Complete the “${p.title}” pathway.`,
    competency: p.competencies[0],
    targetLevel: p.targetLevel ?? undefined,
    measure: ruleText(p.rule as PathwayRule, p.steps.length),
    dueAt,
    rule: (p.rule as PathwayRule) ?? { kind: 'all' },
    achievementId: p.achievementId ?? undefined,
    pathway: { id: p._id, version: p.version, title: p.title },
    activities: p.steps.map((s) => ({ activityId: s.activityId, required: s.required ?? true })),
  };
}

interface EnrolRequest {
  userId: Id;
  pathway: PathwayDoc;
  assignmentKey: string;
  assignmentId?: Id;
  dueAt?: Date;
  source: 'assigned' | 'self';
}

async function claimEnrolment(tenantId: TenantId, r: EnrolRequest): Promise<EnrolmentDoc> {
  const insert = { assignmentKey: r.assignmentKey, assignmentId: r.assignmentId, pathwayId: r.pathway._id, version: r.pathway.version, source: r.source, dueAt: r.dueAt, enrolledAt: new Date() };
  const filter = scoped<EnrolmentDoc>(tenantId, { slug: r.pathway.slug, userId: r.userId });
  try {
    return (await Enrolment.findOneAndUpdate(filter, { $setOnInsert: insert }, { upsert: true, new: true }).lean<EnrolmentDoc>())!;
  } catch (err) {
    // The same person enrolled twice at once: the unique (tenant, pathway, person) index kept one.
    if ((err as { code?: number }).code !== 11000) throw err;
    return (await Enrolment.findOne(filter).lean<EnrolmentDoc>())!;
  }
}

/**
 * Puts a person on a pathway: one enrolment per person and pathway, and the assigned goal in their
 * plan. Idempotent: repeating it (a retry after a crash) completes what the first attempt started.
 */
async function enrol(tenantId: TenantId, r: EnrolRequest): Promise<'enrolled' | 'already'> {
  const enrolment = await claimEnrolment(tenantId, r);
  if (enrolment.assignmentKey !== r.assignmentKey) return 'already';
  if (enrolment.goalId) return 'enrolled';
  const version = enrolment.pathwayId.equals(r.pathway._id) ? r.pathway : await getPathway(tenantId, enrolment.pathwayId);
  const { planId, goalId } = await plans.addAssignedGoal(tenantId, r.userId, goalFor(version, r.assignmentKey, enrolment.dueAt ?? undefined));
  await Enrolment.updateOne(scoped(tenantId, { _id: enrolment._id }), { $set: { planId, goalId } });
  return 'enrolled';
}

/** A teacher adds a published pathway to their own plan: one open for self-enrolment, or one placed in their course. */
export async function selfEnrol(tenantId: TenantId, pathwayId: Id, by: ChangedBy, opts: { placedInCourse?: boolean } = {}): Promise<EnrolmentDoc> {
  const p = await getPathway(tenantId, pathwayId);
  if (p.status !== 'published' || !(p.selfEnrol || opts.placedInCourse)) throw new Conflict('This pathway is not open for self-enrolment.');
  await enrol(tenantId, { userId: by.userId, pathway: p, assignmentKey: `self:${p.slug}:${by.userId}`, source: 'self' });
  await audit.record(tenantId, { actor: by, action: 'pathway.self-enrolled', subject: { kind: 'pathway', id: p._id }, after: { version: p.version, placedInCourse: !!opts.placedInCourse } });
  return (await enrolmentFor(tenantId, p.slug, by.userId))!;
}

export function enrolmentFor(tenantId: TenantId, slug: string, userId: Id): Promise<EnrolmentDoc | null> {
  return Enrolment.findOne(scoped(tenantId, { slug, userId })).lean<EnrolmentDoc>();
}

export function enrolmentsOf(tenantId: TenantId, userId: Id): Promise<EnrolmentDoc[]> {
  return Enrolment.find(scoped(tenantId, { userId })).sort({ enrolledAt: -1 }).lean<EnrolmentDoc[]>();
}

export function enrolmentsIn(tenantId: TenantId, slug: string): Promise<EnrolmentDoc[]> {
  return Enrolment.find(scoped(tenantId, { slug })).sort({ enrolledAt: 1 }).lean<EnrolmentDoc[]>();
}

/** People per pathway and version: `${slug}` and `${slug}@${version}` → count. */
export async function enrolmentCounts(tenantId: TenantId): Promise<Map<string, number>> {
  const rows = await Enrolment.aggregate<{ _id: { slug: string; version: number }; n: number }>(
    scopedPipeline(tenantId, {}, [{ $group: { _id: { slug: '$slug', version: '$version' }, n: { $sum: 1 } } }]),
  );
  const counts = new Map<string, number>();
  for (const r of rows) {
    counts.set(`${r._id.slug}@${r._id.version}`, r.n);
    counts.set(r._id.slug, (counts.get(r._id.slug) ?? 0) + r.n);
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Assignment batches: who gets which pathway, previewed, then applied row by row

export interface AssignTarget {
  kind: 'people' | 'group' | 'course' | 'csv';
  label: string;
  groupId?: Id;
  contextId?: string;
  role?: string;
}

interface PlannedRow {
  line?: number;
  userId?: Id;
  person?: users.PendingPerson;
  /** Why a new person's identifier looks wrong (shown on the preview). */
  warning?: string;
  displayName: string;
  assignment: number;
  alreadyEnrolled: boolean;
}

function assignablePathway(p: PathwayDoc): PathwayDoc {
  if (p.status !== 'published') throw new Conflict('Only the published version of a pathway can be assigned; publish the draft first.');
  return p;
}

async function alreadyOn(tenantId: TenantId, slugs: string[], userIds: Id[]): Promise<Set<string>> {
  const rows = await Enrolment.find(scoped(tenantId, { slug: { $in: slugs }, userId: { $in: userIds } }), { slug: 1, userId: 1 }).lean<Pick<EnrolmentDoc, 'slug' | 'userId'>[]>();
  return new Set(rows.map((r) => `${r.slug}:${r.userId}`));
}

async function saveBatch(tenantId: TenantId, label: string, assignments: { pathway: PathwayDoc; dueAt?: Date; target: AssignTarget }[], rows: PlannedRow[], by: ChangedBy): Promise<AssignmentBatchDoc> {
  const created = await AssignmentBatch.create({
    tenantId,
    label,
    assignments: assignments.map((a) => ({ _id: new Types.ObjectId(), pathwayId: a.pathway._id, dueAt: a.dueAt, target: a.target })),
    rows,
    total: rows.length,
    createdBy: by,
  });
  return created.toObject() as unknown as AssignmentBatchDoc;
}

const isoDay = (s: string) => new Date(`${s}T00:00:00Z`);
const DueDate = z.preprocess(
  (v) => blank(trimmed(v)),
  z
    .string('Enter the due date as YYYY-MM-DD')
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the due date as YYYY-MM-DD')
    .refine((s) => !Number.isNaN(isoDay(s).getTime()) && isoDay(s).toISOString().startsWith(s), 'There is no such date')
    .transform(isoDay)
    .optional(),
);

/** A due date from a form or file: a valid date, today or later. */
export function parseDueDate(raw: unknown): Date | undefined | string {
  const parsed = DueDate.safeParse(raw);
  if (!parsed.success) return 'Enter the due date as YYYY-MM-DD';
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  if (parsed.data && parsed.data < today) return 'The due date is in the past';
  return parsed.data;
}

function dueDateOrThrow(raw: unknown): Date | undefined {
  const due = parseDueDate(raw);
  if (typeof due === 'string') throw new Invalid('The assignment has problems; nothing was assigned.', { dueAt: due });
  return due;
}

async function knownPeopleBatch(tenantId: TenantId, p: PathwayDoc, people: { _id: Id; name?: string | null }[], dueAt: Date | undefined, target: AssignTarget, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const on = await alreadyOn(tenantId, [p.slug], people.map((u) => u._id));
  const rows = people.map((u) => ({ userId: u._id, displayName: u.name || 'Unnamed', assignment: 0, alreadyEnrolled: on.has(`${p.slug}:${u._id}`) }));
  return saveBatch(tenantId, target.label, [{ pathway: p, dueAt, target }], rows, by);
}

/** Assigning to chosen people of the tenant. */
export async function planForPeople(tenantId: TenantId, pathwayId: Id, userIds: Id[], rawDue: unknown, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const p = assignablePathway(await getPathway(tenantId, pathwayId));
  const dueAt = dueDateOrThrow(rawDue);
  if (!userIds.length) throw new Invalid('Choose at least one person; nothing was assigned.', { userIds: 'Choose at least one person' });
  const people = await users.listUsers(tenantId, { ids: userIds });
  if (people.length !== new Set(userIds.map(String)).size) throw new NotFound('One of the chosen people');
  const label = people.length === 1 ? people[0]!.name || 'One person' : `${people.length} people`;
  return knownPeopleBatch(tenantId, p, people, dueAt, { kind: 'people', label }, by);
}

/** Assigning to everyone in a school, team or cohort (its members today). */
export async function planForGroup(tenantId: TenantId, pathwayId: Id, groupId: Id, rawDue: unknown, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const p = assignablePathway(await getPathway(tenantId, pathwayId));
  const dueAt = dueDateOrThrow(rawDue);
  const group = await groups.getGroup(tenantId, groupId);
  if (!group.memberIds.length) throw new Invalid(`${group.name} has no members yet; nothing was assigned.`, { groupId: 'This group has no members' });
  const people = await users.listUsers(tenantId, { ids: group.memberIds });
  return knownPeopleBatch(tenantId, p, people, dueAt, { kind: 'group', label: group.name, groupId }, by);
}

function personFromMember(m: { sub: string; name: string; email?: string; sourcedId?: string }, family: PlatformFamily): users.PendingPerson {
  return { name: m.name, sub: m.sub, ...(m.email ? { email: m.email } : {}), ...(m.sourcedId ? { sourcedId: m.sourcedId } : {}), ...(family === 'moodle' ? { moodleId: m.sub } : {}) };
}

/** Assigning to a course roster read from the LMS (NRPS, every page), optionally one role only; previewed first. */
export async function planForCourse(tenantId: TenantId, pathwayId: Id, contextId: string, role: string | undefined, rawDue: unknown, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const p = assignablePathway(await getPathway(tenantId, pathwayId));
  const dueAt = dueDateOrThrow(rawDue);
  const course = await tenants.findContext(tenantId, contextId);
  if (!course) throw new NotFound('That course');
  if (!course.nrps?.url) throw new Invalid(`${course.title || 'This course'} has not shared its roster with PD Pathways; nothing was assigned.`, { contextId: 'The LMS did not offer this course’s roster (Names and Role Provisioning) at launch' });
  const { members } = await courseRoster(tenantId, course.nrps.url, { role });
  if (!members.length) throw new Invalid('Nobody in that course has that role; nothing was assigned.', { role: 'Nobody in the course has this role' });
  const family = (await tenants.getTenant(tenantId)).family as PlatformFamily;
  const known = await Promise.all(members.map((m) => users.findBySub(tenantId, m.sub)));
  const on = await alreadyOn(tenantId, [p.slug], known.flatMap((u) => (u ? [u._id] : [])));
  const rows = members.map((m, i) => {
    const user = known[i];
    return user
      ? { userId: user._id, displayName: user.name || m.name, assignment: 0, alreadyEnrolled: on.has(`${p.slug}:${user._id}`) }
      : { person: personFromMember(m, family), displayName: m.name, assignment: 0, alreadyEnrolled: false };
  });
  const label = `${course.label || course.title || 'Course'}${role ? ` (${role.replace(/.*#/, '')})` : ''}`;
  return saveBatch(tenantId, label, [{ pathway: p, dueAt, target: { kind: 'course', label, contextId, role } }], rows, by);
}

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

function pathwayFinder(published: PathwayDoc[]): (ref: string) => PathwayDoc | undefined {
  const bySlug = new Map(published.map((p) => [p.slug, p]));
  const byTitle = new Map(published.map((p) => [p.title.trim().toLowerCase(), p]));
  return (ref) => bySlug.get(ref.trim().toLowerCase()) ?? byTitle.get(ref.trim().toLowerCase());
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

const ASSIGNMENT_COLUMNS = { required: [['email', 'lms_id'], ['pathway']], optional: ['due_date', 'name'] };

/** A new person's email at a domain nobody who launched uses is most likely a typo: said on the preview. */
function emailWarning(person: users.PendingPerson, domains: Set<string>): string | undefined {
  const domain = person.email?.split('@')[1];
  if (!domain || !domains.size || domains.has(domain)) return undefined;
  return `Nobody who uses PD Pathways has an email at ${domain}: check the spelling`;
}

async function checkLine(tenantId: TenantId, fields: Record<string, string>, line: number, family: PlatformFamily, findPathway: (ref: string) => PathwayDoc | undefined, domains: Set<string>): Promise<CheckedLine> {
  const problems: string[] = [];
  const person = personFromRow(fields, family);
  if (typeof person === 'string') problems.push(person);
  const ref = fields.pathway ?? '';
  const pathway = ref ? findPathway(ref) : undefined;
  if (!ref) problems.push('Name the pathway (its title or short name)');
  else if (!pathway) problems.push(`No published pathway is called “${ref}”`);
  const due = parseDueDate(fields.due_date ?? fields.due ?? '');
  if (typeof due === 'string') problems.push(due);
  const out: CheckedLine = { line, problems, pathway, dueAt: typeof due === 'string' ? undefined : due, displayName: '' };
  if (typeof person === 'string') return out;
  const user = await existingPerson(tenantId, person);
  return { ...out, ...(user ? { userId: user._id } : { person, warning: emailWarning(person, domains) }), displayName: user?.name || person.name };
}

function duplicateProblems(lines: CheckedLine[]): void {
  const first = new Map<string, number>();
  for (const l of lines) {
    const who = l.userId ? String(l.userId) : l.person ? JSON.stringify([l.person.email, l.person.canvasId, l.person.moodleId, l.person.sourcedId]) : undefined;
    if (!who || !l.pathway) continue;
    const key = `${who}|${l.pathway.slug}`;
    if (first.has(key)) l.problems.push(`The same person and pathway are on line ${first.get(key)}`);
    else first.set(key, l.line);
  }
}


/**
 * Reads an assignment CSV (email and/or lms_id, pathway, due_date): every line is checked before
 * anything is written; a clean file becomes a batch to preview, a bad one is refused whole.
 */
export async function planFromCsv(tenantId: TenantId, csv: string, fileName: string, family: PlatformFamily, by: ChangedBy): Promise<AssignmentBatchDoc> {
  const records = readCsv(csv, { maxRows: MAX_CSV_ROWS, columns: ASSIGNMENT_COLUMNS });
  const domains = await users.knownEmailDomains(tenantId);
  const findPathway = pathwayFinder(await listPublished(tenantId));
  const lines: CheckedLine[] = [];
  for (const r of records) lines.push(await checkLine(tenantId, r.fields, r.line, family, findPathway, domains));
  duplicateProblems(lines);
  const bad = lines.filter((l) => l.problems.length);
  if (bad.length) throw new Invalid(`${bad.length} of ${count(lines.length, 'line')} ${bad.length === 1 ? 'needs' : 'need'} attention; nothing was assigned.`, Object.fromEntries(bad.slice(0, 200).map((l) => [`line ${l.line}`, l.problems.join('; ')])));
  const plansByKey = new Map<string, number>();
  const planned: { pathway: PathwayDoc; dueAt?: Date; target: AssignTarget }[] = [];
  const on = await alreadyOn(tenantId, [...new Set(lines.map((l) => l.pathway!.slug))], lines.flatMap((l) => (l.userId ? [l.userId] : [])));
  const rows = lines.map((l) => {
    const key = `${l.pathway!._id}|${l.dueAt?.toISOString() ?? ''}`;
    if (!plansByKey.has(key)) {
      plansByKey.set(key, planned.length);
      planned.push({ pathway: l.pathway!, dueAt: l.dueAt, target: { kind: 'csv', label: fileName } });
    }
    return { line: l.line, userId: l.userId, person: l.person, warning: l.warning, displayName: l.displayName, assignment: plansByKey.get(key)!, alreadyEnrolled: !!l.userId && on.has(`${l.pathway!.slug}:${l.userId}`) };
  });
  return saveBatch(tenantId, fileName, planned, rows, by);
}

export async function getBatch(tenantId: TenantId, id: Id | string): Promise<AssignmentBatchDoc> {
  const doc = Types.ObjectId.isValid(id) ? await AssignmentBatch.findOne(scoped(tenantId, { _id: id })).lean<AssignmentBatchDoc>() : null;
  if (!doc) throw new NotFound('That assignment');
  return doc;
}

/** Pathways a batch assigns (for its preview and progress pages). */
export async function batchPathways(tenantId: TenantId, batch: AssignmentBatchDoc): Promise<Map<string, PathwayDoc>> {
  const docs = await Pathway.find(scoped(tenantId, { _id: { $in: batch.assignments.map((a) => a.pathwayId) } })).lean<PathwayDoc[]>();
  return new Map(docs.map((d) => [String(d._id), d]));
}

/**
 * Confirms a previewed batch. Small ones are applied before returning; larger ones run in the
 * background (and the scheduled job resumes any whose process stopped).
 */
export async function applyBatch(tenantId: TenantId, batchId: Id, by: ChangedBy, opts: { createPending?: boolean } = {}): Promise<AssignmentBatchDoc> {
  const waiting = await getBatch(tenantId, batchId);
  const unknown = pendingToConfirm(waiting);
  if (unknown && !opts.createPending) throw new Invalid('Nothing was assigned yet.', { createPending: `Tick the box to add the ${unknown === 1 ? 'person' : `${unknown} people`} PD Pathways does not know yet, or correct the file and upload it again` });
  const started = await AssignmentBatch.findOneAndUpdate(scoped(tenantId, { _id: batchId, status: 'previewed' }), { $set: { status: 'running', startedAt: new Date() } }, { new: true }).lean<AssignmentBatchDoc>();
  if (!started) return getBatch(tenantId, batchId);
  await audit.record(tenantId, { actor: by, action: 'pathway.assignment-started', subject: { kind: 'assignment-batch', id: batchId }, after: { label: started.label, people: started.total } });
  if (started.total <= INLINE_BATCH_ROWS) {
    await runBatch(tenantId, batchId);
    return getBatch(tenantId, batchId);
  }
  runBatch(tenantId, batchId).catch((err) => logger().error({ err, batchId: String(batchId) }, 'assignment batch failed; the job will resume it'));
  return started;
}

/**
 * People a CSV file names whom PD Pathways does not know: a typo'd email would otherwise become a
 * new pending person silently, so applying such a file needs an explicit yes.
 */
export function pendingToConfirm(batch: AssignmentBatchDoc): number {
  if (batch.status !== 'previewed' || !batch.assignments.some((a) => a.target?.kind === 'csv')) return 0;
  return batch.rows.filter((r) => !r.userId).length;
}

async function takeBatchLease(tenantId: TenantId, batchId: Id): Promise<AssignmentBatchDoc | null> {
  const now = new Date();
  return AssignmentBatch.findOneAndUpdate(
    scoped(tenantId, { _id: batchId, status: 'running', $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: now } }, { leaseOwner: PROCESS_OWNER }] }),
    { $set: { leaseOwner: PROCESS_OWNER, leaseUntil: new Date(now.getTime() + BATCH_LEASE_MS) } },
    { new: true },
  ).lean<AssignmentBatchDoc>();
}

/** Creates the batch's assignments (ids fixed at preview, so a rerun creates none twice). */
async function ensureAssignments(tenantId: TenantId, batch: AssignmentBatchDoc, pathways: Map<string, PathwayDoc>): Promise<void> {
  for (const a of batch.assignments) {
    const p = pathways.get(String(a.pathwayId))!;
    await Assignment.updateOne(
      scoped(tenantId, { _id: a._id }),
      { $setOnInsert: { pathwayId: p._id, slug: p.slug, version: p.version, title: p.title, target: a.target, dueAt: a.dueAt, createdBy: batch.createdBy } },
      { upsert: true },
    );
  }
}

async function applyRow(tenantId: TenantId, batch: AssignmentBatchDoc, row: AssignmentBatchDoc['rows'][number], pathways: Map<string, PathwayDoc>): Promise<'enrolled' | 'already'> {
  const planned = batch.assignments[row.assignment]!;
  const userId = row.userId ?? (await users.ensurePerson(tenantId, row.person as users.PendingPerson))._id;
  return enrol(tenantId, { userId, pathway: pathways.get(String(planned.pathwayId))!, assignmentKey: `${planned._id}:${userId}`, assignmentId: planned._id, dueAt: planned.dueAt ?? undefined, source: 'assigned' });
}

async function outcomeOf(tenantId: TenantId, batch: AssignmentBatchDoc, index: number, pathways: Map<string, PathwayDoc>): Promise<'enrolled' | 'already' | 'failed'> {
  try {
    return await applyRow(tenantId, batch, batch.rows[index]!, pathways);
  } catch (err) {
    logger().error({ err, batchId: String(batch._id), row: index }, 'assignment row failed');
    return 'failed';
  }
}

/**
 * Applies a running batch from where it stopped, a few rows at a time (each person's plan is
 * separate, so they proceed side by side), renewing its lease after each chunk.
 */
export async function runBatch(tenantId: TenantId, batchId: Id): Promise<void> {
  let batch = await takeBatchLease(tenantId, batchId);
  if (!batch) return;
  const pathways = await batchPathways(tenantId, batch);
  await ensureAssignments(tenantId, batch, pathways);
  for (let from = batch.done; from < batch.rows.length; from += BATCH_CHUNK) {
    const current: AssignmentBatchDoc = batch;
    const indexes: number[] = Array.from({ length: Math.min(BATCH_CHUNK, current.rows.length - from) }, (_, k) => from + k);
    const outcomes = await Promise.all(indexes.map((i) => outcomeOf(tenantId, current, i, pathways)));
    const tally = { enrolled: 0, already: 0, failed: 0 };
    for (const o of outcomes) tally[o]++;
    batch = await AssignmentBatch.findOneAndUpdate(
      scoped(tenantId, { _id: batchId, leaseOwner: PROCESS_OWNER, done: from }),
      { $set: { done: from + indexes.length, leaseUntil: new Date(Date.now() + BATCH_LEASE_MS) }, $inc: tally },
      { new: true },
    ).lean<AssignmentBatchDoc>();
    if (!batch) return; // another process took the batch over
  }
  await finishBatch(tenantId, batch);
}

async function finishBatch(tenantId: TenantId, batch: AssignmentBatchDoc): Promise<void> {
  const { modifiedCount } = await AssignmentBatch.updateOne(scoped(tenantId, { _id: batch._id, status: 'running' }), { $set: { status: 'finished', finishedAt: new Date() }, $unset: { leaseOwner: 1, leaseUntil: 1 } });
  if (!modifiedCount) return;
  const by = batch.createdBy?.userId ? { userId: batch.createdBy.userId, name: batch.createdBy.name ?? '' } : undefined;
  await audit.record(tenantId, { actor: by, action: 'pathway.assigned', subject: { kind: 'assignment-batch', id: batch._id }, after: { label: batch.label, enrolled: batch.enrolled, already: batch.already, failed: batch.failed } });
  if (by && batch.total > INLINE_BATCH_ROWS) {
    await notices.notify(tenantId, { userId: by.userId, kind: 'pathway.assignment-finished', title: `Assignment finished: ${batch.label}`, body: `${batch.enrolled} assigned, ${batch.already} already on it, ${batch.failed} failed.`, link: `/pathways/batches/${batch._id}`, dedupeKey: `assignment-finished:${batch._id}` });
  }
}

/** The scheduled job: resumes running batches whose process stopped (lease expired). */
export async function resumeStalledBatches(): Promise<number> {
  let resumed = 0;
  for (const tenant of await tenants.listTenants()) {
    const stalled = await AssignmentBatch.find(scoped(tenant._id, { status: 'running', $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: new Date() } }] }), { _id: 1 }).lean<{ _id: Id }[]>();
    for (const b of stalled) {
      await runBatch(tenant._id, b._id);
      resumed++;
    }
  }
  return resumed;
}

addJob({ name: 'pathways:assignment-batches', everyMs: 30_000, jitter: 0.3, singleton: true, run: async () => void (await resumeStalledBatches()) });

/** Assignments of a pathway (all versions), newest first. */
export function assignmentsOf(tenantId: TenantId, slug: string): Promise<AssignmentDoc[]> {
  return Assignment.find(scoped(tenantId, { slug })).sort({ createdAt: -1 }).lean<AssignmentDoc[]>();
}

// ---------------------------------------------------------------------------------------------
// Moving people to the current version

export interface MigrationLine {
  enrolment: EnrolmentDoc;
  name: string;
  fromVersion: number;
  /** The assigned goal is in the person's current plan (otherwise there is nothing to migrate). */
  inPlan: boolean;
  added: string[];
  removed: string[];
  keptCompletions: number;
  lostCompletions: string[];
  ruleChange?: string;
}

function sameRule(a: PathwayRule | undefined | null, b: PathwayRule | undefined | null): boolean {
  return (a?.kind ?? 'all') === (b?.kind ?? 'all') && (a as { n?: number })?.n === (b as { n?: number })?.n && (a as { hours?: number })?.hours === (b as { hours?: number })?.hours;
}

function migrationLine(enrolment: EnrolmentDoc, name: string, goal: plans.GoalDoc | undefined, target: PathwayDoc, titles: Map<string, string>): MigrationLine {
  const line: MigrationLine = { enrolment, name, fromVersion: enrolment.version, inPlan: !!goal, added: [], removed: [], keptCompletions: 0, lostCompletions: [] };
  if (!goal) return line;
  const now = new Set(goal.activities.flatMap((a) => (a.activityId ? [String(a.activityId)] : [])));
  const next = new Set(target.steps.map((s) => String(s.activityId)));
  line.added = [...next].filter((id) => !now.has(id)).map((id) => titles.get(id) ?? 'An activity');
  for (const a of goal.activities.filter((x) => x.activityId)) {
    const stays = next.has(String(a.activityId));
    if (!stays) line.removed.push(a.title);
    if (a.status === 'done' && stays) line.keptCompletions++;
    if (a.status === 'done' && !stays) line.lostCompletions.push(a.title);
  }
  if (!sameRule(goal.rule as PathwayRule, target.rule as PathwayRule)) {
    line.ruleChange = `${ruleText(goal.rule as PathwayRule, goal.activities.length)} → ${ruleText(target.rule as PathwayRule, target.steps.length)}`;
  }
  return line;
}

/** What moving each person on an older version to the current one would change in their plan. */
export async function migrationPreview(tenantId: TenantId, target: PathwayDoc): Promise<MigrationLine[]> {
  if (target.status !== 'published') throw new Conflict('People can only be moved to the published version.');
  const behind = await Enrolment.find(scoped(tenantId, { slug: target.slug, version: { $lt: target.version } })).sort({ enrolledAt: 1 }).lean<EnrolmentDoc[]>();
  if (!behind.length) return [];
  const userIds = behind.map((e) => e.userId);
  const [people, theirPlans, activities] = await Promise.all([
    users.listUsers(tenantId, { ids: userIds }),
    plans.plansForUsers(tenantId, userIds),
    catalog.getActivities(tenantId, target.steps.map((s) => s.activityId)),
  ]);
  const names = new Map(people.map((u) => [String(u._id), u.name || 'Unnamed']));
  const titles = new Map(activities.map((a) => [String(a._id), a.title]));
  return behind.map((e) => {
    const current = theirPlans.find((p) => p.userId.equals(e.userId) && p.current && p.goals.some((g) => g.origin?.assignmentKey === e.assignmentKey));
    const goal = current?.goals.find((g) => g.origin?.assignmentKey === e.assignmentKey);
    return migrationLine(e, names.get(String(e.userId)) ?? 'Unnamed', goal, target, titles);
  });
}

function updateSummary(l: MigrationLine): string {
  const parts = [l.added.length ? `New steps: ${l.added.join(', ')}.` : '', l.removed.length ? `No longer part of it: ${l.removed.join(', ')}.` : '', l.keptCompletions ? `${count(l.keptCompletions, 'finished step')} still ${l.keptCompletions === 1 ? 'counts' : 'count'}.` : ''];
  return parts.filter(Boolean).join(' ') || 'Its steps are unchanged.';
}

/** Moves the chosen people to the published version: their goal gets its steps and rule; done steps that remain stay done. */
export async function migrate(tenantId: TenantId, target: PathwayDoc, userIds: Id[], by: ChangedBy): Promise<{ migrated: number; skipped: number }> {
  const chosen = new Set(userIds.map(String));
  const lines = (await migrationPreview(tenantId, target)).filter((l) => chosen.has(String(l.enrolment.userId)));
  let migrated = 0;
  for (const l of lines.filter((x) => x.inPlan)) {
    await plans.migrateAssignedGoal(tenantId, l.enrolment.userId, l.enrolment.assignmentKey, {
      version: target.version,
      rule: (target.rule as PathwayRule) ?? { kind: 'all' },
      activities: target.steps.map((s) => ({ activityId: s.activityId, required: s.required ?? true })),
    });
    const { modifiedCount } = await Enrolment.updateOne(scoped(tenantId, { _id: l.enrolment._id, version: l.fromVersion }), { $set: { version: target.version, pathwayId: target._id, migratedAt: new Date() } });
    migrated += modifiedCount;
    if (modifiedCount) await notices.notify(tenantId, { userId: l.enrolment.userId, kind: 'pathway.updated', title: `Your pathway “${target.title}” was updated`, body: updateSummary(l), link: '/pathways/mine', dedupeKey: `pathway.updated:${l.enrolment._id}:${target.version}` });
  }
  await audit.record(tenantId, { actor: by, action: 'pathway.migrated', subject: { kind: 'pathway', id: target._id }, after: { version: target.version, migrated, skipped: lines.length - migrated } });
  return { migrated, skipped: lines.length - migrated };
}

// ---------------------------------------------------------------------------------------------
// Report queries (reports feature)

export interface EnrolmentFilter {
  from?: Date;
  to?: Date;
  slug?: string;
  userIds?: Id[];
}

function enrolmentMatch(f: EnrolmentFilter): Record<string, unknown> {
  const match: Record<string, unknown> = {};
  if (f.slug) match.slug = f.slug;
  if (f.userIds) match.userId = { $in: f.userIds };
  if (f.from || f.to) match.enrolledAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  return match;
}

/** Enrolments (who, which pathway and version, goal) matching the report filters. */
export function reportEnrolments(tenantId: TenantId, f: EnrolmentFilter): Promise<EnrolmentDoc[]> {
  return Enrolment.find(scoped(tenantId, enrolmentMatch(f))).lean<EnrolmentDoc[]>();
}

on('user.data-deleted', async ({ tenantId, userId }) => {
  await Enrolment.deleteMany(scoped(tenantId, { userId }));
});
