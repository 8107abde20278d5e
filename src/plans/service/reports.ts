import { scoped, scopedPipeline, TenantId } from '../../db/tenancy';
import { Plan, PlanActivityDoc, PlanDoc } from '../model';
import { doneHours, DueReview, monthsBetween, nextReview, reviewDue, round } from '../rules';
import { Id } from './common';
import { FiguredPlan, plansWithFigures as readPlansWithFigures } from './figures';

// ---------------------------------------------------------------------------------------------
// Report queries (PD-staff reports and the district approval queue): counts and dates only, never
// reflection or feedback text.

export interface PlanReportFilter {
  userIds?: Id[];
  from?: Date;
  to?: Date;
}

const byUsers = (f: PlanReportFilter) => (f.userIds ? { userId: { $in: f.userIds } } : {});
/** Only what a report reads of each plan, before it unwinds goals and activities (whole plans are large). */
const keep = (...fields: string[]) => ({ $project: Object.fromEntries(fields.map((f) => [f, 1])) });
const inRange = (field: string, f: PlanReportFilter) => (f.from || f.to ? { [field]: { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) } } : {});

export interface AssignedGoalRow {
  planId: Id;
  userId: Id;
  assignmentKey: string;
  competency: string;
  status: 'open' | 'completed';
  progress: number;
  completedAt?: Date;
}

/**
 * Every plan (current and past) of the filter's people with its figures: what the reports below count. A page
 * of reports reads this once and hands it to each.
 */
export async function plansWithFigures(tenantId: TenantId, f: Pick<PlanReportFilter, 'userIds'>): Promise<FiguredPlan[]> {
  return readPlansWithFigures(tenantId, byUsers(f));
}

const current = (all: FiguredPlan[]) => all.filter((p) => p.current);

/** Goals assigned through pathways (any plan, current or past): status, progress, completion date. */
export function reportAssignedGoals(all: FiguredPlan[]): AssignedGoalRow[] {
  return all.flatMap(({ _id, userId, figures }) => figures.pathwayGoals.map((g) => ({ planId: _id, userId, ...g })));
}

const byKey = <R extends { _id: unknown }>(x: R, y: R) => (String(x._id) < String(y._id) ? -1 : String(x._id) > String(y._id) ? 1 : 0);
const inPeriod = (f: PlanReportFilter, at?: Date) => (!f.from || (!!at && at >= f.from)) && (!f.to || (!!at && at < f.to));

/** Goals per competency in current plans: how many, how many completed, by how many teachers. */
export function reportGoalsByCompetency(all: FiguredPlan[]): { _id: string; goals: number; completed: number; teachers: number }[] {
  const rows = new Map<string, { _id: string; goals: number; completed: number; people: Set<string> }>();
  for (const { userId, figures } of current(all)) {
    const teacher = String(userId);
    for (const g of figures.competencyGoals) {
      const row = rows.get(g.competency) ?? rows.set(g.competency, { _id: g.competency, goals: 0, completed: 0, people: new Set() }).get(g.competency)!;
      row.goals++;
      if (g.completed) row.completed++;
      row.people.add(teacher);
    }
  }
  return [...rows.values()].map(({ people, ...r }) => ({ ...r, teachers: people.size })).sort(byKey);
}

/** Activities done in the period, by where the completion came from (LMS sync, manual, evidence...). */
export function reportCompletionSources(all: FiguredPlan[], f: PlanReportFilter): { _id: string; completions: number; hours: number }[] {
  const sources = new Map<string, { _id: string; completions: number; hours: number }>();
  for (const { figures } of all) {
    for (const d of figures.done) {
      if (!inPeriod(f, d.completedAt)) continue;
      const row = sources.get(d.source) ?? sources.set(d.source, { _id: d.source, completions: 0, hours: 0 }).get(d.source)!;
      row.completions++;
      row.hours += d.hours;
    }
  }
  return [...sources.values()].sort((x, y) => y.completions - x.completions || byKey(x, y));
}

/** Catalog activities in current plans: how many teachers planned each, how many finished it in the period. */
export function reportActivityUse(all: FiguredPlan[], f: PlanReportFilter, limit = 10): { _id: Id; title: string; planned: number; completed: number }[] {
  const rows = new Map<string, { _id: Id; title: string; completed: number; people: Set<string> }>();
  for (const { userId, figures } of current(all)) {
    const teacher = String(userId);
    for (const a of figures.catalogActivities) {
      const row = rows.get(a.activityKey) ?? rows.set(a.activityKey, { _id: a.activityId, title: a.title, completed: 0, people: new Set() }).get(a.activityKey)!;
      row.people.add(teacher);
      if (a.done && inPeriod(f, a.completedAt)) row.completed++;
    }
  }
  return [...rows.values()]
    .map(({ people, ...r }) => ({ ...r, planned: people.size }))
    .sort((x, y) => y.completed - x.completed || y.planned - x.planned || (x.title < y.title ? -1 : x.title > y.title ? 1 : 0))
    .slice(0, limit);
}

export interface PlanLoadRow {
  planId: Id;
  userId: Id;
  status: string;
  hours: number;
  cost: number;
  doneHours: number;
  hoursPerYear: number;
  costPerYear: number;
}

/** Each current plan's planned hours and cost (also per year of its period) and hours done: load against caps. */
export function reportPlanLoad(all: FiguredPlan[]): PlanLoadRow[] {
  return current(all).map(({ _id, userId, status, periodStart, periodEnd, figures }) => {
    const years = monthsBetween(periodStart, periodEnd) / 12;
    return { planId: _id, userId, status, hours: round(figures.hours, 1), cost: round(figures.cost), doneHours: round(figures.doneHours, 1), hoursPerYear: round(figures.hours / years, 1), costPerYear: round(figures.cost / years) };
  });
}

/** Running plans whose annual or end-of-period review is due (it is overdue from its due date). */
export async function reportReviewsDue(tenantId: TenantId, f: PlanReportFilter, now = new Date()): Promise<{ planId: Id; userId: Id; review: DueReview }[]> {
  const running = await Plan.find(scoped(tenantId, { ...byUsers(f), current: true, status: 'active' }), { userId: 1, status: 1, periodStart: 1, periodEnd: 1, 'reviews.kind': 1 }).lean<PlanDoc[]>();
  return running.flatMap((p) => {
    const review = reviewDue({ ...p, reviews: p.reviews ?? [] }, now);
    return review ? [{ planId: p._id, userId: p.userId, review }] : [];
  });
}

/** Self re-ratings teachers gave in their reviews (the "post" of growth), reviewed in the period. */
export function reportReviewRatings(tenantId: TenantId, f: PlanReportFilter): Promise<{ userId: Id; competency: string; level: number; at: Date }[]> {
  return Plan.aggregate(
    scopedPipeline(tenantId, { ...byUsers(f), 'reviews.goals.selfLevel': { $exists: true } }, [
      keep('userId', 'reviews.completedAt', 'reviews.goals.selfLevel', 'reviews.goals.competency'),
      { $unwind: '$reviews' },
      { $match: inRange('reviews.completedAt', f) },
      { $unwind: '$reviews.goals' },
      { $match: { 'reviews.goals.selfLevel': { $gte: 1 }, 'reviews.goals.competency': { $nin: ['', null] } } },
      { $project: { _id: 0, userId: 1, competency: '$reviews.goals.competency', level: '$reviews.goals.selfLevel', at: '$reviews.completedAt' } },
    ]),
  );
}

/** What may be shown of a plan outside the teacher's circle: status and counts, never reflections, evidence or coaching. */
export interface PlanProgressSummary {
  userId: Id;
  status: string;
  goals: number;
  goalsDone: number;
  hoursPlanned: number;
  hoursDone: number;
  nextReview?: DueReview;
}

/** The current plan of each of these people, summarised; private content is never read (inclusion projection). */
export async function progressSummaries(tenantId: TenantId, userIds: Id[], now = new Date()): Promise<PlanProgressSummary[]> {
  const fields = { userId: 1, status: 1, periodStart: 1, periodEnd: 1, 'reviews.kind': 1, 'goals.status': 1, 'goals.activities.status': 1, 'goals.activities.hours': 1, 'goals.activities.completedHours': 1 };
  const found = await Plan.find(scoped(tenantId, { userId: { $in: userIds }, current: true }), fields).lean<PlanDoc[]>();
  return found.map((p) => {
    const activities = p.goals.flatMap((g) => g.activities);
    return {
      userId: p.userId,
      status: p.status,
      goals: p.goals.length,
      goalsDone: p.goals.filter((g) => g.status === 'completed').length,
      hoursPlanned: round(activities.reduce((s, a) => s + a.hours, 0), 1),
      hoursDone: round(activities.reduce((s, a) => s + doneHours(a), 0), 1),
      nextReview: nextReview({ ...p, reviews: p.reviews ?? [] }, now),
    };
  });
}

/** What the district approval queue reads of a plan: who, where it stands, and its activities' hours and cost. */
export type QueuedPlan = Pick<PlanDoc, '_id' | 'userId' | 'status' | 'submittedAt' | 'periodStart' | 'periodEnd'> & { goals: { activities: Pick<PlanActivityDoc, 'hours' | 'cost'>[] }[] };

/** Current plans in these statuses, oldest submission first: the district approval queue (counts and dates only). */
export function districtPlans(tenantId: TenantId, f: PlanReportFilter & { statuses: string[] }): Promise<QueuedPlan[]> {
  return Plan.find(scoped(tenantId, { ...byUsers(f), current: true, status: { $in: f.statuses } }), { userId: 1, status: 1, submittedAt: 1, periodStart: 1, periodEnd: 1, 'goals.activities.hours': 1, 'goals.activities.cost': 1 })
    .sort({ submittedAt: 1, updatedAt: 1 })
    .lean<QueuedPlan[]>();
}
