/**
 * Plans' rules, without I/O: a goal's and a plan's progress under their rules, completing activities
 * (first completion wins, certificates wait for verification), the planned load against the caps,
 * when reviews are owed, what a submission lacks, where a new goal can go and what a renewed plan
 * carries over. The service files (./service/) do the reads and writes around them; the rules of
 * changes to an approved plan are in ./changes.ts.
 */
import { Types } from 'mongoose';
import type { ActivityDoc } from '../catalog/service';
import { Conflict, Invalid } from '../kernel/errors';
import type { TenantPolicy } from '../kernel/tenantPolicy';
import { count, money as formatMoney } from '../web/format';
import * as changes from './changes';
import { ACTIVITY_PROGRESS, COACHING_STEPS, COMPLETION_SOURCES, GoalDoc, PlanActivityDoc, PlanDoc } from './model';

type Id = Types.ObjectId;
export type CompletionSource = (typeof COMPLETION_SOURCES)[number];
export type ActivityProgress = (typeof ACTIVITY_PROGRESS)[number];
export type CoachingStep = (typeof COACHING_STEPS)[number];
export type GoalRule = { kind: 'all' } | { kind: 'n-of-m'; n: number } | { kind: 'hours'; hours: number };

export const MAX_GOALS = 5;
const ANNUAL_REVIEW_MONTHS = 12;
/** The end-of-period review opens this many days before the plan ends. */
const FINAL_REVIEW_LEAD_DAYS = 30;

// ---------------------------------------------------------------------------------------------
// Progress, totals and reviews

export function doneHours(a: PlanActivityDoc): number {
  return a.status === 'done' ? (a.completedHours ?? a.hours) : 0;
}

/** Progress 0..1 of a goal under its rule: all required activities, N of M, or hours done ≥ X. */
export function goalProgress(goal: Pick<GoalDoc, 'rule' | 'activities'>): number {
  const acts = goal.activities;
  if (!acts.length) return 0;
  const done = acts.filter((a) => a.status === 'done');
  const rule = goal.rule ?? { kind: 'all' };
  if (rule.kind === 'n-of-m') return Math.min(1, done.length / Math.max(1, rule.n ?? acts.length));
  if (rule.kind === 'hours') return rule.hours ? Math.min(1, acts.reduce((s, a) => s + doneHours(a), 0) / rule.hours) : done.length === acts.length ? 1 : 0;
  const required = acts.some((a) => a.required) ? acts.filter((a) => a.required) : acts;
  return required.filter((a) => a.status === 'done').length / required.length;
}

/** The catalog activities (ids) of a goal still to do, none once it is completed: what the teacher may still register for. */
export function catalogActivitiesToDo(goal: Pick<GoalDoc, 'status' | 'activities'>): string[] {
  return goal.status === 'completed' ? [] : goal.activities.filter((a) => a.activityId && a.status !== 'done').map((a) => String(a.activityId));
}

export function planProgress(plan: Pick<PlanDoc, 'goals'>): number {
  if (!plan.goals.length) return 0;
  return plan.goals.reduce((s, g) => s + (g.status === 'completed' ? 1 : goalProgress(g)), 0) / plan.goals.length;
}

export interface CapProblem {
  cap: 'maxCostPerYear' | 'maxHoursPerYear' | 'minHoursPerYear';
  message: string;
}

export interface PlanTotals {
  hours: number;
  cost: number;
  years: number;
  hoursPerYear: number;
  costPerYear: number;
  caps: Pick<TenantPolicy, 'maxCostPerYear' | 'maxHoursPerYear' | 'minHoursPerYear'>;
  problems: CapProblem[];
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
export const money = (n: number) => formatMoney(round(n));
const hoursText = (n: number) => `${round(n, 1)} h`;

export function monthsBetween(start: Date, end: Date): number {
  return Math.max(1, (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth());
}

/** Planned hours and cost, annualised over the plan period, against the tenant's caps. */
export function planTotals(plan: { goals: { activities: Pick<PlanActivityDoc, 'hours' | 'cost'>[] }[]; periodStart: Date; periodEnd: Date }, policy: PlanTotals['caps']): PlanTotals {
  const all = plan.goals.flatMap((g) => g.activities);
  return loadTotals({ hours: all.reduce((s, a) => s + a.hours, 0), cost: all.reduce((s, a) => s + a.cost, 0), periodStart: plan.periodStart, periodEnd: plan.periodEnd }, policy);
}

/** The same totals from a plan's summed hours and cost (the report figures keep those sums per plan revision). */
export function loadTotals({ hours, cost, periodStart, periodEnd }: { hours: number; cost: number; periodStart: Date; periodEnd: Date }, policy: PlanTotals['caps']): PlanTotals {
  const years = monthsBetween(periodStart, periodEnd) / 12;
  const hoursPerYear = hours / years;
  const costPerYear = cost / years;
  const problems: CapProblem[] = [];
  if (costPerYear > policy.maxCostPerYear) {
    problems.push({ cap: 'maxCostPerYear', message: `The plan costs ${money(costPerYear)} a year, over the cost cap of ${money(policy.maxCostPerYear)} a year by ${money(costPerYear - policy.maxCostPerYear)}.` });
  }
  if (hoursPerYear > policy.maxHoursPerYear) {
    problems.push({ cap: 'maxHoursPerYear', message: `The plan has ${hoursText(hoursPerYear)} a year, over the hours cap of ${hoursText(policy.maxHoursPerYear)} a year by ${hoursText(hoursPerYear - policy.maxHoursPerYear)}.` });
  }
  if (hoursPerYear < policy.minHoursPerYear) {
    problems.push({ cap: 'minHoursPerYear', message: `The plan has ${hoursText(hoursPerYear)} a year, under the required minimum of ${hoursText(policy.minHoursPerYear)} a year by ${hoursText(policy.minHoursPerYear - hoursPerYear)}.` });
  }
  return { hours: round(hours, 1), cost: round(cost), years: round(years), hoursPerYear: round(hoursPerYear, 1), costPerYear: round(costPerYear), caps: policy, problems };
}

export function addMonths(d: Date, months: number): Date {
  const out = new Date(d);
  out.setUTCMonth(out.getUTCMonth() + months);
  return out;
}

export function today(): Date {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  return d;
}

export interface DueReview {
  kind: 'annual' | 'final';
  dueAt: Date;
}

/** A plan's status in words (every page that shows one, in this feature and others). */
export const STATUS_LABELS: Record<string, string> = {
  draft: 'Draft',
  submitted: 'Waiting for approval',
  returned: 'Returned for changes',
  active: 'Active',
  'in-review': 'In review',
  completed: 'Completed',
  closed: 'Closed',
};

type ReviewedPlan = Pick<PlanDoc, 'status' | 'periodStart' | 'periodEnd' | 'reviews'>;

/** The reviews a plan has not had yet, in date order: the 12-month one (when it comes before the end), the end-of-period one. */
function reviewsOwed(plan: ReviewedPlan): DueReview[] {
  const done = new Set(plan.reviews.map((r) => r.kind));
  const finalAt = new Date(plan.periodEnd.getTime() - FINAL_REVIEW_LEAD_DAYS * 86_400_000);
  const annualAt = addMonths(plan.periodStart, ANNUAL_REVIEW_MONTHS);
  const owed: DueReview[] = [];
  if (annualAt < finalAt && !done.has('annual')) owed.push({ kind: 'annual', dueAt: annualAt });
  if (!done.has('final')) owed.push({ kind: 'final', dueAt: finalAt });
  return owed;
}

/** The review a running plan owes: the end-of-period one from a month before the end, else the 12-month one. */
export function reviewDue(plan: ReviewedPlan, now = new Date()): DueReview | undefined {
  if (plan.status !== 'active') return undefined;
  const due = reviewsOwed(plan).filter((r) => r.dueAt <= now);
  return due.find((r) => r.kind === 'final') ?? due[0];
}

/** The review a running plan owes now, else the next one coming. */
export function nextReview(plan: ReviewedPlan, now = new Date()): DueReview | undefined {
  if (plan.status !== 'active') return undefined;
  return reviewDue(plan, now) ?? reviewsOwed(plan)[0];
}

/** Which review a teacher writes now: the due one, else the end-of-period one once the end is near, else the annual one. */
export function reviewKindNow(plan: PlanDoc, now = new Date()): 'annual' | 'final' {
  const due = reviewDue(plan, now);
  if (due) return due.kind;
  return now.getTime() >= plan.periodEnd.getTime() - FINAL_REVIEW_LEAD_DAYS * 86_400_000 ? 'final' : 'annual';
}

// ---------------------------------------------------------------------------------------------
// What may change when

export const STRUCTURE_EDITABLE = ['draft', 'returned'];
export const PROGRESS_OPEN = ['active', 'in-review'];

export function requireStatus(plan: PlanDoc, allowed: readonly string[], doing: string): void {
  if (!allowed.includes(plan.status)) throw new Conflict(`This plan is ${plan.status}; you can ${doing} only while it is ${allowed.join(' or ')}.`);
}

export function capsOf(policy: TenantPolicy) {
  return { planMonths: policy.planMonths, maxCostPerYear: policy.maxCostPerYear, maxHoursPerYear: policy.maxHoursPerYear, minHoursPerYear: policy.minHoursPerYear };
}

/** Assigned goals follow their pathway version: only PD staff change them (by migrating the assignment). */
export function requireOwnGoal(goal: GoalDoc, doing: string): void {
  if (goal.origin?.kind === 'pathway') throw new Conflict(`This goal was assigned by your district PD office, so you cannot ${doing}; ask them if it needs to change.`);
}

export function requireRoomForGoal(plan: PlanDoc): void {
  if (plan.goals.length >= MAX_GOALS) throw new Invalid(`A plan has at most ${MAX_GOALS} goals; remove one before adding another. Nothing was saved.`, { statement: `Your plan already has ${MAX_GOALS} goals` });
}

/** What stops a plan being submitted, worded for the teacher (empty when it can go). */
export function submitProblems(plan: Pick<PlanDoc, 'goals' | 'commitment' | 'periodStart' | 'periodEnd'>, policy: TenantPolicy): string[] {
  const problems: string[] = [];
  if (!plan.goals.length) problems.push('Add at least one goal.');
  if (plan.goals.length > MAX_GOALS) problems.push(`A plan has at most ${MAX_GOALS} goals.`);
  for (const [i, g] of plan.goals.entries()) {
    const name = `Goal ${i + 1}`;
    if (!g.activities.length) problems.push(`${name} has no activities yet.`);
    if (g.rule?.kind === 'n-of-m' && (g.rule.n ?? 0) > g.activities.length) problems.push(`${name} asks for ${count(g.rule.n ?? 0, 'activity', 'activities')} but lists ${count(g.activities.length, 'activity', 'activities')}.`);
    if (g.rule?.kind === 'hours' && (g.rule.hours ?? 0) > g.activities.reduce((s, a) => s + a.hours, 0)) problems.push(`${name} asks for ${count(g.rule.hours ?? 0, 'hour')} but its activities add up to fewer.`);
  }
  if (!plan.commitment?.agreed) problems.push('Agree to the time commitment.');
  problems.push(...planTotals(plan, policy).problems.map((p) => p.message));
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Where a new goal can go

/** Where a new goal can go in the teacher's current plan: a plan to start, a draft to add to, an approved plan to propose to, or why not. */
export type GoalOpening = { kind: 'start' } | { kind: 'add' | 'propose'; plan: PlanDoc } | { kind: 'closed'; plan: PlanDoc; reason: string };

const NO_NEW_GOALS: Record<string, string> = {
  submitted: 'Your plan is waiting for approval, so no goal can be added to it now: once it is approved you can propose one as a change, or add it if the plan is returned to you.',
  'in-review': 'Your plan is in its review: continue it or renew it first, then add the goal.',
};

export function goalOpening(plan: PlanDoc | null): GoalOpening {
  if (!plan) return { kind: 'start' };
  const active = plan.status === 'active';
  if (active && plan.change?.status === 'submitted') return { kind: 'closed', plan, reason: 'Your proposed changes are waiting for approval; you can add another goal once the approver has decided.' };
  if (!active && !STRUCTURE_EDITABLE.includes(plan.status)) return { kind: 'closed', plan, reason: NO_NEW_GOALS[plan.status] ?? 'Your plan has ended: start your next plan to add goals.' };
  if (plannedGoals(plan).length >= MAX_GOALS) {
    return { kind: 'closed', plan, reason: `Your plan already has ${MAX_GOALS} goals, the most allowed: ${active ? 'propose removing one' : 'remove one'} before adding another.` };
  }
  return { kind: active ? 'propose' : 'add', plan };
}

/** The goals as the teacher plans them: an approved plan's goals with the changes proposed to it. */
export function plannedGoals(plan: PlanDoc): GoalDoc[] {
  return plan.status === 'active' ? changes.proposedGoals(plan) : plan.goals;
}

/** A goal the teacher just added or proposed, as stored now. */
export function newGoalIn(plan: PlanDoc, goalId: Id | string): { goal: GoalDoc; proposed: boolean } | undefined {
  const added = plan.goals.find((g) => g._id.equals(goalId));
  if (added) return { goal: added, proposed: false };
  const change = changes.proposalOf(plan).changes.find((c) => c.kind === 'add-goal' && c.goalId.equals(goalId) && c.goal);
  return change ? { goal: change.goal as GoalDoc, proposed: true } : undefined;
}

/**
 * Why this teacher's current plan cannot take a team goal now (undefined when it can: a draft or
 * returned plan takes it directly, an approved one as a proposed change).
 */
export function teamGoalBlocker(plan: PlanDoc | null): string | undefined {
  const opening = goalOpening(plan);
  return opening.kind === 'closed' ? opening.reason : undefined;
}

// ---------------------------------------------------------------------------------------------
// New goals and activities, and what a renewed plan carries over

export function newGoal(fields: Partial<GoalDoc>): GoalDoc {
  return {
    _id: new Types.ObjectId(),
    statement: '',
    competency: '',
    measure: '',
    rule: { kind: 'all' },
    origin: { kind: 'teacher' },
    activities: [],
    status: 'open',
    progress: 0,
    reflections: [],
    feedback: [],
    ...fields,
  } as GoalDoc;
}

export function fromCatalog(a: ActivityDoc, fields: Partial<PlanActivityDoc> = {}): PlanActivityDoc {
  return {
    _id: new Types.ObjectId(),
    activityId: a._id,
    title: a.title,
    kind: a.kind,
    hours: a.hours,
    cost: a.cost,
    certificateRequired: !!a.certificateRequired,
    plannedStart: a.schedule?.startsOn ?? undefined,
    plannedEnd: a.schedule?.endsOn ?? undefined,
    required: true,
    status: 'not-started',
    evidence: [],
    ...fields,
  } as PlanActivityDoc;
}

export function carriedGoal(goal: GoalDoc): GoalDoc {
  const activities = goal.activities.filter((a) => a.status !== 'done').map((a) => ({ ...a, _id: new Types.ObjectId(), evidence: a.evidence.filter((e) => e.status !== 'rejected') }));
  const carried = newGoal({
    statement: goal.statement,
    competency: goal.competency,
    targetLevel: goal.targetLevel,
    measure: goal.measure,
    rule: goal.rule,
    groupGoalId: goal.groupGoalId,
    achievementId: goal.achievementId,
    origin: { kind: 'carried', fromGoalId: goal._id, assignmentKey: goal.origin?.assignmentKey, pathway: goal.origin?.pathway, dueAt: goal.origin?.dueAt },
    activities,
  });
  carried.progress = goalProgress(carried);
  return carried;
}

// ---------------------------------------------------------------------------------------------
// Completing activities and recomputing goals

export interface Recomputed {
  progressed: Id[];
  completed: Id[];
  planProgressed: boolean;
  completedActivities: { goalId: Id; activity: PlanActivityDoc }[];
}

/**
 * Recomputes goal and plan progress. Only the goals in `touched` may change status: a goal whose rule
 * is met completes, unless `gateOnReflection` (a manual completion under a reflection-required policy)
 * and it has no reflection yet.
 */
export function recompute(plan: PlanDoc, touched: Id[], gateOnReflection: boolean): Recomputed {
  const out: Recomputed = { progressed: [], completed: [], planProgressed: false, completedActivities: [] };
  for (const goal of plan.goals) {
    const progress = goalProgress(goal);
    if (progress !== goal.progress) out.progressed.push(goal._id);
    goal.progress = progress;
    const mayComplete = touched.some((id) => id.equals(goal._id)) && goal.status === 'open' && progress >= 1;
    if (mayComplete && !(gateOnReflection && goal.reflections.length === 0)) {
      goal.status = 'completed';
      goal.completedAt = new Date();
      out.completed.push(goal._id);
    }
  }
  const progress = planProgress(plan);
  out.planProgressed = progress !== plan.progress;
  plan.progress = progress;
  return out;
}

export interface Completion {
  completedAt: Date;
  source: CompletionSource;
  eventId?: Id;
  hours?: number;
  /** An approver verified a certificate for this activity (in any goal that holds it). */
  certified?: boolean;
}

/**
 * Marks one activity complete; certificate-required activities wait for verification, and a verified
 * certificate finishes one that waited. False when nothing changed (first completion wins).
 */
export function markComplete(activity: PlanActivityDoc, c: Completion): boolean {
  const certified = !!c.certified || hasVerifiedCertificate(activity);
  if (activity.status === 'done') return false;
  if (activity.status === 'awaiting-verification') {
    if (!certified) return false;
    activity.status = 'done';
    return true;
  }
  activity.status = activity.certificateRequired && !certified ? 'awaiting-verification' : 'done';
  activity.completedAt = c.completedAt;
  activity.source = c.source;
  if (c.eventId) activity.completionEventId = c.eventId;
  if (c.hours !== undefined) activity.completedHours = c.hours;
  return true;
}

function hasVerifiedCertificate(activity: PlanActivityDoc): boolean {
  return activity.evidence.some((e) => e.status === 'verified');
}

export function catalogOrPlanId(activity: PlanActivityDoc): Id {
  return activity.activityId ?? activity._id;
}

export { uniqueIds } from '../kernel/ids';

/**
 * The one completion rule, for LMS sync, imports and verified certificates alike: every activity of
 * the plan that matches (the same catalog activity in any goal) is completed, and those goals recomputed.
 * `again`: goals where this same ledger event completed the activity on an earlier try (a processor that
 * crashed or lost its lease after writing the plan); its activities are announced again (listeners are idempotent).
 */
export function completeMatching(p: PlanDoc, matches: (a: PlanActivityDoc) => boolean, c: Completion) {
  const r = { applied: [] as Id[], already: [] as Id[], again: [] as Id[], activities: [] as Recomputed['completedActivities'] };
  for (const goal of p.goals) {
    for (const activity of goal.activities.filter(matches)) {
      if (markComplete(activity, c)) r.applied.push(goal._id);
      else if (c.eventId && activity.completionEventId?.equals(c.eventId)) r.again.push(goal._id);
      else {
        r.already.push(goal._id);
        continue;
      }
      r.activities.push({ goalId: goal._id, activity });
    }
  }
  return { ...r, recomputed: recompute(p, r.applied, false) };
}

/** The same activity wherever the plan holds it: by catalog id, or (a custom one) by itself. */
export function sameActivity(activity: PlanActivityDoc): (a: PlanActivityDoc) => boolean {
  return activity.activityId ? (a) => !!a.activityId?.equals(activity.activityId!) : (a) => a._id.equals(activity._id);
}
