import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../audit/service';
import type { ChangedBy } from '../audit/service';
import * as catalog from '../catalog/service';
import { money } from '../web/format';
import { scoped, scopedPipeline, TenantId } from '../db/tenancy';
import * as frameworks from '../frameworks/service';
import { CompetencyView, FrameworkView, LEVEL_NAMES } from '../frameworks/service';
import * as notices from '../notifications/service';
import * as users from '../users/service';
import { fieldErrors, Invalid, NotFound } from '../kernel/errors';
import { formList } from '../kernel/validation';
import { Assessment, AssessmentDoc, Observation, ObservationDoc } from './model';
import { MAX_HOURS_PER_MONTH, Miss, PLANNING_MONTHS, Preferences, Relaxation, selectActivities, Selection } from './rules';

export type { AssessmentDoc, ObservationDoc };
type Id = Types.ObjectId;

/** The level everyone aims for unless they state another. */
export const DEFAULT_TARGET = 3;
export { MAX_HOURS_PER_MONTH, PLANNING_MONTHS };
export type { Miss, Preferences, Relaxation };

export type { ChangedBy };

const LEVEL_RANGE = `Choose a level from 1 (${LEVEL_NAMES[0]}) to 4 (${LEVEL_NAMES[3]})`;
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const asNumber = (v: unknown) => (blank(typeof v === 'string' ? v.trim() : v) === undefined ? undefined : Number(v));
const levelNumber = (missing: string) => z.number(missing).int(LEVEL_RANGE).min(1, LEVEL_RANGE).max(4, LEVEL_RANGE);
const level = (missing: string) => z.preprocess(asNumber, levelNumber(missing));
/** Blank ("Not observed", no goal chosen) is no rating. */
const optionalLevel = z.preprocess(asNumber, levelNumber(LEVEL_RANGE).optional());
const perCompetency = <T extends z.ZodTypeAny>(fw: FrameworkView, field: (c: CompetencyView) => T) =>
  z.preprocess((v) => v ?? {}, z.object(Object.fromEntries(fw.competencies.map((c) => [c.code, field(c)])) as Record<string, T>));

/** The self-assessment form: field names level.<code>, target.<code>, interests, modes, timings, hoursPerMonth, notes. */
function selfAssessmentSchema(fw: FrameworkView) {
  const codes = fw.competencies.map((c) => c.code) as [string, ...string[]];
  return z.object({
    level: perCompetency(fw, (c) => level(`Choose your current level in ${c.name}`)),
    target: perCompetency(fw, () => optionalLevel),
    interests: formList(z.enum(codes, 'Choose competencies from the list')),
    modes: formList(z.enum(catalog.FORMAT_MODES, 'Choose online, in person or blended')),
    timings: formList(z.enum(catalog.FORMAT_TIMINGS, 'Choose live or on your own time')),
    hoursPerMonth: z.preprocess(asNumber, z.number('Enter the hours you can give each month').min(0, 'Hours cannot be negative').max(MAX_HOURS_PER_MONTH, `Enter at most ${MAX_HOURS_PER_MONTH} hours a month`)),
    notes: z.string().trim().max(4000, 'Keep your notes under 4000 characters').default(''),
  });
}
export type SelfAssessmentInput = z.infer<ReturnType<typeof selfAssessmentSchema>>;

function parseWith<T extends z.ZodTypeAny>(schema: T, raw: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Invalid(`The ${what} has problems; nothing was saved.`, fieldErrors(parsed.error));
  return parsed.data;
}

/** Saves a new dated assessment (history is kept, the latest is current) and tells the teacher's coaches. */
export async function submitAssessment(tenantId: TenantId, teacherId: Id, raw: unknown, by: ChangedBy): Promise<AssessmentDoc> {
  const fw = await frameworks.activeFramework(tenantId);
  const input = parseWith(selfAssessmentSchema(fw), raw, 'assessment');
  const ratings = fw.competencies.map((c) => ({ competency: c.code, level: input.level[c.code]!, target: input.target[c.code] }));
  const created = (
    await Assessment.create({
      tenantId,
      userId: teacherId,
      frameworkId: new Types.ObjectId(fw.id),
      ratings,
      interests: input.interests,
      formats: { modes: input.modes, timings: input.timings },
      hoursPerMonth: input.hoursPerMonth,
      notes: input.notes,
    })
  ).toObject() as unknown as AssessmentDoc;
  await audit.record(tenantId, { actor: by, action: 'assessment.submitted', subject: { kind: 'assessment', id: created._id }, after: { competencies: ratings.length, interests: input.interests.length, hoursPerMonth: input.hoursPerMonth } });
  await announceAssessment(tenantId, teacherId, created);
  return created;
}

async function announceAssessment(tenantId: TenantId, teacherId: Id, assessment: AssessmentDoc): Promise<void> {
  await notices.notify(tenantId, {
    userId: teacherId,
    kind: 'assessment.first',
    title: 'You completed your first needs assessment',
    body: 'Your recommendations are ready.',
    link: '/recommendations',
    celebrate: true,
    dedupeKey: `assessment.first:${teacherId}`,
  });
  const teacher = await users.getUser(tenantId, teacherId);
  for (const coachId of teacher.coachIds) {
    await notices.notify(tenantId, { userId: coachId, kind: 'assessment.submitted', title: `${teacher.name || 'A teacher'} completed a needs assessment`, link: `/assessments/${assessment._id}` });
  }
}

export function latestAssessment(tenantId: TenantId, userId: Id): Promise<AssessmentDoc | null> {
  return Assessment.findOne(scoped(tenantId, { userId })).sort({ takenAt: -1, _id: -1 }).lean<AssessmentDoc>();
}

export function assessmentHistory(tenantId: TenantId, userId: Id): Promise<AssessmentDoc[]> {
  return Assessment.find(scoped(tenantId, { userId })).sort({ takenAt: -1, _id: -1 }).lean<AssessmentDoc[]>();
}

export async function getAssessment(tenantId: TenantId, id: string | Id): Promise<AssessmentDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Assessment.findOne(scoped(tenantId, { _id: id })).lean<AssessmentDoc>() : null;
  if (!doc) throw new NotFound('That assessment');
  return doc;
}

/** Each person's latest assessment (id and date); absent for people who never took one. */
export async function latestAssessmentsOf(tenantId: TenantId, userIds: Id[]): Promise<Map<string, { id: string; takenAt: Date }>> {
  const rows = await Assessment.aggregate<{ _id: Id; id: Id; takenAt: Date }>(
    scopedPipeline(tenantId, { userId: { $in: userIds } }, [
      { $sort: { takenAt: -1, _id: -1 } },
      { $group: { _id: '$userId', id: { $first: '$_id' }, takenAt: { $first: '$takenAt' } } },
    ]),
  );
  return new Map(rows.map((r) => [String(r._id), { id: String(r.id), takenAt: r.takenAt }]));
}

/** The observation form: level.<code> and note.<code> per rated competency, notes, observedOn. */
function observationSchema(fw: FrameworkView) {
  return z
    .object({
      level: perCompetency(fw, () => optionalLevel),
      note: perCompetency(fw, () => z.string().trim().max(2000, 'Keep the note under 2000 characters').optional()),
      notes: z.string().trim().max(4000, 'Keep the notes under 4000 characters').default(''),
      observedOn: z.preprocess((v) => blank(v), z.coerce.date('Enter the date of the observation').max(new Date(Date.now() + 86_400_000), 'The observation date is in the future')),
    })
    .superRefine(
      (o, ctx) => {
        if (!Object.values(o.level ?? {}).some((l) => l !== undefined)) ctx.addIssue({ code: 'custom', path: ['level'], message: 'Rate at least one competency' });
      },
      { when: () => true },
    );
}

export interface ObservationInput {
  teacherId: Id;
  coachId: Id;
  ratings: { competency: string; level: number; note?: string }[];
  notes?: string;
  observedOn: Date;
}

/** Reads the observation form into ratings for the framework's competencies; throws Invalid per field. */
export async function parseObservationForm(tenantId: TenantId, raw: unknown): Promise<Omit<ObservationInput, 'teacherId' | 'coachId'>> {
  const fw = await frameworks.activeFramework(tenantId);
  const input = parseWith(observationSchema(fw), raw, 'observation');
  const ratings = fw.competencies
    .filter((c) => input.level[c.code] !== undefined)
    .map((c) => ({ competency: c.code, level: input.level[c.code]!, note: input.note[c.code] ?? '' }));
  return { ratings, notes: input.notes, observedOn: input.observedOn };
}

export async function recordObservation(tenantId: TenantId, input: ObservationInput, by?: ChangedBy): Promise<ObservationDoc> {
  const known = new Set((await frameworks.activeFramework(tenantId)).competencies.map((c) => c.code));
  const unknown = input.ratings.filter((r) => !known.has(r.competency) || !(r.level >= 1 && r.level <= 4));
  if (unknown.length || !input.ratings.length) throw new Invalid('The observation has problems; nothing was saved.', { level: 'Rate competencies of your framework from 1 to 4' });
  const created = (await Observation.create({ tenantId, ...input, notes: input.notes ?? '' })).toObject() as unknown as ObservationDoc;
  const coachName = by?.name ?? 'Your coach';
  await audit.record(tenantId, { actor: by, action: 'observation.recorded', subject: { kind: 'observation', id: created._id }, after: { teacherId: String(input.teacherId), competencies: input.ratings.length } });
  await notices.notify(tenantId, { userId: input.teacherId, kind: 'observation.recorded', title: `${coachName} recorded a classroom observation`, body: 'Your current levels and recommendations were updated.', link: `/observations/${created._id}` });
  return created;
}

export async function getObservation(tenantId: TenantId, id: string | Id): Promise<ObservationDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Observation.findOne(scoped(tenantId, { _id: id })).lean<ObservationDoc>() : null;
  if (!doc) throw new NotFound('That observation');
  return doc;
}

export function observationsOf(tenantId: TenantId, teacherId: Id, limit = 50): Promise<ObservationDoc[]> {
  return Observation.find(scoped(tenantId, { teacherId })).sort({ observedOn: -1, createdAt: -1 }).limit(limit).lean<ObservationDoc[]>();
}

export type LevelSource = 'coach' | 'self';

/** Current level per competency: the latest coach observation rating where there is one, else the latest self rating. */
export async function currentLevels(tenantId: TenantId, userId: Id): Promise<Map<string, { level: number; source: LevelSource }>> {
  const [assessment, observations] = await Promise.all([latestAssessment(tenantId, userId), observationsOf(tenantId, userId)]);
  const levels = new Map<string, { level: number; source: LevelSource }>();
  for (const r of assessment?.ratings ?? []) levels.set(r.competency, { level: r.level, source: 'self' });
  const coachRated = new Set<string>();
  for (const o of observations) {
    for (const r of o.ratings) {
      if (coachRated.has(r.competency)) continue;
      coachRated.add(r.competency);
      levels.set(r.competency, { level: r.level, source: 'coach' });
    }
  }
  return levels;
}

export interface Recommendation {
  competency: CompetencyView;
  currentLevel: number;
  currentSource: LevelSource;
  targetLevel: number;
  need: number;
  interest: boolean;
  activities: { activity: catalog.ActivityDoc; reasons: string[] }[];
  /** Why activities at the right level were left out (counts overlap when one misses several). */
  leftOut: Selection<catalog.ActivityDoc>['leftOut'];
  /** When nothing fits: the nearest activities, and the preference changes that would let some in. */
  nearest: Selection<catalog.ActivityDoc>['nearest'];
  relax: Relaxation[];
}

export const MODE_WORDS: Record<string, string> = { online: 'online', 'in-person': 'in person', blended: 'blended' };

function formatWords(a: catalog.ActivityDoc): string {
  const pace = a.schedule?.selfPaced ? 'self-paced' : a.format.timing === 'sync' ? 'live sessions' : 'on your own time';
  return `${MODE_WORDS[a.format.mode] ?? a.format.mode}, ${pace}`;
}

/** Plain-words reasons a teacher sees under each suggested activity. */
function reasonsFor(a: catalog.ActivityDoc, rec: Pick<Recommendation, 'competency' | 'currentLevel' | 'interest'>, p: Preferences): string[] {
  const next = rec.currentLevel + 1;
  const reasons: string[] = [];
  if (rec.interest) reasons.push(`matches your interest in ${rec.competency.name}`);
  reasons.push(a.targetLevel ? `builds toward ${LEVEL_NAMES[next - 1]} (level ${next})` : 'suits any level');
  reasons.push(formatWords(a));
  reasons.push(a.hours <= p.hoursPerMonth * PLANNING_MONTHS ? `${a.hours} h in total fits ${p.hoursPerMonth} h/month` : `${a.hours} h at your own pace`);
  if (a.cost === 0) reasons.push('free');
  else if (p.remainingBudget !== undefined) reasons.push(`${money(a.cost)}, within your remaining ${money(p.remainingBudget)}`);
  else reasons.push(money(a.cost));
  return reasons;
}

function suggest(rec: Omit<Recommendation, 'activities' | 'leftOut' | 'nearest' | 'relax'>, pool: catalog.ActivityDoc[], p: Preferences): Recommendation {
  const { fitting, leftOut, nearest, relax } = selectActivities(rec.competency.code, rec.currentLevel + 1, pool, p);
  return { ...rec, activities: fitting.map((activity) => ({ activity, reasons: reasonsFor(activity, rec, p) })), leftOut, nearest, relax };
}

/** Competencies worth working on: below the teacher's target, or of interest and not yet Leading. */
function rankCompetencies(fw: FrameworkView, assessment: AssessmentDoc, levels: Map<string, { level: number; source: LevelSource }>) {
  const targets = new Map(assessment.ratings.map((r) => [r.competency, r.target ?? DEFAULT_TARGET]));
  const interests = new Set(assessment.interests);
  const ranked = fw.competencies.flatMap((competency, order) => {
    const current = levels.get(competency.code);
    if (!current || current.level >= LEVEL_NAMES.length) return [];
    const target = targets.get(competency.code) ?? DEFAULT_TARGET;
    const need = Math.max(0, target - current.level);
    const interest = interests.has(competency.code);
    if (!need && !interest) return [];
    // Need weighs double: one level of need equals an interest; ties keep framework order.
    const score = need * 2 + (interest ? 1 : 0);
    return [{ score, order, rec: { competency, currentLevel: current.level, currentSource: current.source, targetLevel: need ? target : current.level + 1, need, interest } }];
  });
  return ranked.sort((a, b) => b.score - a.score || a.order - b.order).map((r) => r.rec);
}

/**
 * Ranked competencies with activities one level above the current one that fit the teacher's formats,
 * time (hours within three months of their monthly hours, or self-paced) and remaining budget.
 * Empty when the teacher has not taken an assessment.
 */
export async function recommendationsFor(tenantId: TenantId, userId: Id, opts: { remainingBudget?: number; limit?: number } = {}): Promise<Recommendation[]> {
  const assessment = await latestAssessment(tenantId, userId);
  if (!assessment) return [];
  const [fw, levels, pool] = await Promise.all([frameworks.activeFramework(tenantId), currentLevels(tenantId, userId), catalog.listActivities(tenantId)]);
  const prefs: Preferences = {
    modes: assessment.formats?.modes ?? [],
    timings: assessment.formats?.timings ?? [],
    hoursPerMonth: assessment.hoursPerMonth,
    remainingBudget: opts.remainingBudget,
  };
  return rankCompetencies(fw, assessment, levels)
    .slice(0, opts.limit ?? 5)
    .map((rec) => suggest(rec, pool, prefs));
}

/** A teacher's data-deletion request: their assessments and the observations of them; returns how many. */
export async function deleteForUser(tenantId: TenantId, userId: Id): Promise<number> {
  const [a, o] = await Promise.all([Assessment.deleteMany(scoped(tenantId, { userId })), Observation.deleteMany(scoped(tenantId, { teacherId: userId }))]);
  return a.deletedCount + o.deletedCount;
}

/** Report query (growth): each person's first and latest self-rating per competency, with their dates. */
export function reportRatingsPrePost(tenantId: TenantId, userIds?: Id[]): Promise<{ _id: { userId: Id; competency: string }; first: number; firstAt: Date; last: number; lastAt: Date }[]> {
  return Assessment.aggregate(
    scopedPipeline(tenantId, userIds ? { userId: { $in: userIds } } : {}, [
      { $sort: { userId: 1, takenAt: 1 } },
      { $unwind: '$ratings' },
      { $group: { _id: { userId: '$userId', competency: '$ratings.competency' }, first: { $first: '$ratings.level' }, firstAt: { $first: '$takenAt' }, last: { $last: '$ratings.level' }, lastAt: { $last: '$takenAt' } } },
    ]),
  );
}
