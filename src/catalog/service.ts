import fs from 'node:fs';
import path from 'node:path';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../audit/service';
import type { ChangedBy } from '../audit/service';
import { scoped, TenantId } from '../db/tenancy';
import * as frameworks from '../frameworks/service';
import { ROOT } from '../paths';
import { fieldErrors, Invalid, NotFound } from '../kernel/errors';
import { uniqueIds } from '../kernel/ids';
import { verbFor } from '../web/format';
import { Activity, ACTIVITY_KINDS, ACTIVITY_STATUSES, ActivityDoc, FORMAT_MODES, FORMAT_TIMINGS } from './model';

export { ACTIVITY_KINDS, ACTIVITY_STATUSES, FORMAT_MODES, FORMAT_TIMINGS };
export type { ActivityDoc };
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];
export type FormatMode = (typeof FORMAT_MODES)[number];
export type FormatTiming = (typeof FORMAT_TIMINGS)[number];

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1', z.boolean());
const optionalText = (max: number) => z.preprocess((v) => blank(trimmed(v)), z.string().max(max, `Keep it under ${max} characters`).optional());
const amount = (what: string, max: number) =>
  z.preprocess((v) => (blank(trimmed(v)) === undefined ? undefined : Number(v)), z.number(`Enter the ${what} as a number`).min(0, `The ${what} cannot be negative`).max(max, `The ${what} ${verbFor(what, 'looks', 'look')} too large (at most ${max})`));
const day = z.preprocess((v) => blank(trimmed(v)), z.coerce.date('Enter a date as YYYY-MM-DD').optional());
const codes = z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().trim().toUpperCase()).min(1, 'Choose at least one competency'));

/** An activity as PD staff enter it (form fields or JSON); flat so errors name form fields. */
export const ActivityInput = z
  .object({
    kind: z.enum(ACTIVITY_KINDS, 'Choose the kind of activity'),
    title: z.string().trim().min(1, 'Enter a title').max(160, 'Keep the title under 160 characters'),
    description: z.string().trim().max(4000, 'Keep the description under 4000 characters').default(''),
    provider: z.string().trim().min(1, 'Enter who provides it').max(120, 'Keep it under 120 characters'),
    competencies: codes,
    targetLevel: z.preprocess((v) => (blank(trimmed(v)) === undefined ? undefined : Number(v)), z.number().int().min(1, 'Choose a level from 1 to 4').max(4, 'Choose a level from 1 to 4').optional()),
    hours: amount('hours', 500),
    cost: amount('cost', 100000),
    mode: z.enum(FORMAT_MODES, 'Choose online, in person or blended'),
    timing: z.enum(FORMAT_TIMINGS, 'Choose live (sync) or on your own time (async)'),
    selfPaced: checkbox,
    startsOn: day,
    endsOn: day,
    sessions: optionalText(300),
    certificateRequired: checkbox,
    lmsCourseId: z.preprocess((v) => blank(trimmed(v)), z.string().regex(/^[\w.:-]{1,64}$/, 'Enter the course id as the LMS shows it (letters, digits, . : - _)').optional()),
  })
  .superRefine(
    (a, ctx) => {
      const starts = a.startsOn instanceof Date ? a.startsOn : undefined;
      const ends = a.endsOn instanceof Date ? a.endsOn : undefined;
      if (starts && ends && ends < starts) ctx.addIssue({ code: 'custom', path: ['endsOn'], message: 'The end date is before the start date' });
      if (!a.selfPaced && !a.startsOn && !a.sessions) ctx.addIssue({ code: 'custom', path: ['startsOn'], message: 'Give a start date or session times, or mark it self-paced' });
    },
    { when: () => true }, // report schedule problems together with any other field's
  );
export type ActivityInput = z.infer<typeof ActivityInput>;

/** How people read each kind of activity (the catalog and plans show the same words). */
export const KIND_LABELS: Record<ActivityKind, string> = {
  'lms-course': 'LMS course',
  workshop: 'Workshop',
  'coaching-cycle': 'Coaching cycle',
  plc: 'PLC',
  'micro-credential': 'Micro-credential',
  'micro-learning': 'Micro-learning',
  'video-reflection': 'Video with reflection',
  reading: 'Reading',
  conference: 'Conference',
};


export interface ActivityFilter {
  text?: string;
  competency?: string;
  kind?: string;
  mode?: string;
  timing?: string;
  maxHours?: number;
  maxCost?: number;
  includeRetired?: boolean;
}

export type { ChangedBy };

/** Checks the fields and that every competency is in the tenant's framework; throws Invalid with per-field messages. */
export async function validateActivity(tenantId: TenantId, raw: unknown): Promise<ActivityInput> {
  const parsed = ActivityInput.safeParse(raw);
  if (!parsed.success) throw new Invalid('The activity has problems; nothing was saved.', fieldErrors(parsed.error));
  const known = new Set((await frameworks.activeFramework(tenantId)).competencies.map((c) => c.code));
  const unknown = parsed.data.competencies.filter((c) => !known.has(c));
  if (unknown.length) throw new Invalid('The activity has problems; nothing was saved.', { competencies: `Not in your framework: ${unknown.join(', ')}` });
  return parsed.data;
}

function activityFields(input: ActivityInput) {
  return {
    kind: input.kind,
    title: input.title,
    description: input.description,
    provider: input.provider,
    competencies: [...new Set(input.competencies)],
    targetLevel: input.targetLevel,
    hours: input.hours,
    cost: input.cost,
    format: { mode: input.mode, timing: input.timing },
    schedule: { selfPaced: input.selfPaced, startsOn: input.startsOn, endsOn: input.endsOn, sessions: input.sessions },
    certificateRequired: input.certificateRequired,
    lmsCourseId: input.lmsCourseId,
  };
}

/** The fields optional in the input that an edit may clear. */
const CLEARABLE = ['targetLevel', 'schedule.startsOn', 'schedule.endsOn', 'schedule.sessions', 'lmsCourseId'] as const;

function updateOf(input: ActivityInput) {
  const { schedule, ...rest } = activityFields(input);
  const fields: Record<string, unknown> = { ...rest, ...Object.fromEntries(Object.entries(schedule).map(([k, v]) => [`schedule.${k}`, v])) };
  const $set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const $unset = Object.fromEntries(CLEARABLE.filter((k) => fields[k] === undefined).map((k) => [k, 1]));
  return { $set, $unset };
}

function summary(a: { title: string; kind: string; hours: number; cost: number; status?: string | null }) {
  return { title: a.title, kind: a.kind, hours: a.hours, cost: a.cost, status: a.status ?? 'active' };
}

export async function createActivity(tenantId: TenantId, input: ActivityInput, by: ChangedBy): Promise<ActivityDoc> {
  const created = (await Activity.create({ tenantId, ...activityFields(input) })).toObject() as unknown as ActivityDoc;
  await audit.record(tenantId, { actor: by, action: 'activity.created', subject: { kind: 'activity', id: created._id }, after: summary(created) });
  return created;
}

export async function updateActivity(tenantId: TenantId, id: Types.ObjectId, input: ActivityInput, by: ChangedBy): Promise<ActivityDoc> {
  const before = await getActivity(tenantId, id);
  const after = await Activity.findOneAndUpdate(scoped(tenantId, { _id: id }), updateOf(input), { new: true }).lean<ActivityDoc>();
  if (!after) throw new NotFound('That activity');
  await audit.record(tenantId, { actor: by, action: 'activity.updated', subject: { kind: 'activity', id }, before: summary(before), after: summary(after) });
  return after;
}

/** Retiring hides an activity from browsing and recommendations; plans that already hold it keep it. */
export async function setActivityStatus(tenantId: TenantId, id: Types.ObjectId, status: ActivityStatus, by: ChangedBy): Promise<void> {
  const before = await getActivity(tenantId, id);
  if (before.status === status) return;
  await Activity.updateOne(scoped(tenantId, { _id: id }), { $set: { status } });
  await audit.record(tenantId, { actor: by, action: status === 'retired' ? 'activity.retired' : 'activity.reactivated', subject: { kind: 'activity', id }, before: { status: before.status }, after: { status } });
}

export async function getActivity(tenantId: TenantId, id: string | Types.ObjectId): Promise<ActivityDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Activity.findOne(scoped(tenantId, { _id: id })).lean<ActivityDoc>() : null;
  if (!doc) throw new NotFound('That activity');
  return doc;
}

export function getActivities(tenantId: TenantId, ids: Types.ObjectId[]): Promise<ActivityDoc[]> {
  return Activity.find(scoped(tenantId, { _id: { $in: ids } })).lean<ActivityDoc[]>();
}

/** These activities by id (each read once, however often an id repeats); an id of no activity is missing. */
export async function activitiesById(tenantId: TenantId, ids: Types.ObjectId[]): Promise<Map<string, ActivityDoc>> {
  return new Map((await getActivities(tenantId, uniqueIds(ids))).map((a) => [String(a._id), a]));
}

function filterQuery(f: ActivityFilter): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (!f.includeRetired) q.status = 'active';
  if (f.competency) q.competencies = f.competency;
  if (f.kind) q.kind = f.kind;
  if (f.mode) q['format.mode'] = f.mode;
  if (f.timing) q['format.timing'] = f.timing;
  if (f.maxHours !== undefined) q.hours = { $lte: f.maxHours };
  if (f.maxCost !== undefined) q.cost = { $lte: f.maxCost };
  return q;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every word must appear in the title, description or provider (case-insensitive, part of a word is enough). */
function textQuery(text: string): Record<string, unknown> {
  const words = text.split(/\s+/).filter(Boolean).slice(0, 8);
  return { $and: words.map((w) => ({ $or: ['title', 'description', 'provider'].map((f) => ({ [f]: { $regex: escapeRegex(w), $options: 'i' } })) })) };
}

/** Browse and search: words in title, description or provider, plus filters; sorted by title. */
export function listActivities(tenantId: TenantId, filter: ActivityFilter = {}): Promise<ActivityDoc[]> {
  const text = filter.text?.trim();
  const q = { ...filterQuery(filter), ...(text ? textQuery(text) : {}) };
  return Activity.find(scoped(tenantId, q)).sort({ title: 1 }).lean<ActivityDoc[]>();
}

export function activitiesForLmsCourse(tenantId: TenantId, lmsCourseId: string): Promise<ActivityDoc[]> {
  return Activity.find(scoped(tenantId, { lmsCourseId })).sort({ title: 1 }).lean<ActivityDoc[]>();
}

export async function setActivityAchievement(tenantId: TenantId, activityId: Types.ObjectId | string, achievementId: Types.ObjectId | null): Promise<void> {
  const update = achievementId ? { $set: { achievementId } } : { $unset: { achievementId: 1 } };
  const { matchedCount } = await Activity.updateOne(scoped(tenantId, { _id: activityId }), update);
  if (!matchedCount) throw new NotFound('That activity');
}

const SampleActivity = z.object({ sampleKey: z.string(), startsInDays: z.number().optional(), endsInDays: z.number().optional() }).passthrough();

function daysFromNow(days: number | undefined): Date | undefined {
  if (days === undefined) return undefined;
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() + days);
  return d;
}

/** The sample catalog in samples/catalog.json; dates are given relative to today. */
export function sampleCatalog(): { sampleKey: string; input: ActivityInput }[] {
  const rows = z.array(SampleActivity).parse(JSON.parse(fs.readFileSync(path.join(ROOT, 'samples/catalog.json'), 'utf8')));
  return rows.map(({ sampleKey, startsInDays, endsInDays, ...rest }) => ({
    sampleKey,
    input: ActivityInput.parse({ ...rest, startsOn: daysFromNow(startsInDays), endsOn: daysFromNow(endsInDays) }),
  }));
}

/** Adds each sample activity once; lmsCourseIds link the first LMS-course activities to real courses; `by` is audited. */
export async function ensureSampleCatalog(tenantId: TenantId, opts: { lmsCourseIds?: string[]; by?: ChangedBy } = {}): Promise<void> {
  const courseIds = [...(opts.lmsCourseIds ?? [])];
  let added = 0;
  for (const { sampleKey, input } of sampleCatalog()) {
    const lmsCourseId = input.kind === 'lms-course' ? courseIds.shift() : undefined;
    const doc = { ...activityFields(input), ...(lmsCourseId ? { lmsCourseId } : {}), status: 'active', sampleKey };
    try {
      added += (await Activity.updateOne(scoped(tenantId, { sampleKey }), { $setOnInsert: doc }, { upsert: true })).upsertedCount;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err; // a concurrent start inserted it
    }
  }
  if (added) await audit.record(tenantId, { actor: opts.by, action: 'catalog.sample-added', subject: { kind: 'catalog', id: String(tenantId) }, after: { activities: added } });
}
