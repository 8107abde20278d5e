import { Readable } from 'node:stream';
import mongoose, { Types } from 'mongoose';
import { z } from 'zod';
import * as assessments from '../assessments/service';
import * as audit from '../audit/service';
import type { ChangedBy } from '../audit/service';
import * as catalog from '../catalog/service';
import * as credit from '../credit/service';
import { count, date as formatDate, money as formatMoney } from '../web/format';
import { config } from '../config';
import { scoped, scopedPipeline, TenantId } from '../db/tenancy';
import { emit, on } from '../events';
import * as frameworks from '../frameworks/service';
import * as notices from '../notifications/service';
import * as tenants from '../tenants/service';
import type { TenantPolicy } from '../kernel/tenantPolicy';
import { Conflict, FieldErrors, fieldErrors, Invalid, NotFound } from '../kernel/errors';
import * as users from '../users/service';
import * as changes from './changes';
import { completedCredit, creditKey } from './credit';
import {
  ACTIVITY_PROGRESS,
  ChangeDoc,
  COACHING_STEPS,
  COMPLETION_SOURCES,
  EvidenceDoc,
  GoalDoc,
  GroupGoal,
  GroupGoalDoc,
  Plan,
  PlanActivityDoc,
  PlanDoc,
  ReflectionDoc,
} from './model';

export type { EvidenceDoc, GoalDoc, GroupGoalDoc, PlanActivityDoc, PlanDoc, ReflectionDoc };
export { ACTIVITY_PROGRESS, COACHING_STEPS };

type Id = Types.ObjectId;
export type CompletionSource = (typeof COMPLETION_SOURCES)[number];
export type ActivityProgress = (typeof ACTIVITY_PROGRESS)[number];
export type CoachingStep = (typeof COACHING_STEPS)[number];
export type GoalRule = { kind: 'all' } | { kind: 'n-of-m'; n: number } | { kind: 'hours'; hours: number };

/** Who made a change, for the audit log and notices. */
export type { ChangedBy };

export const MAX_GOALS = 5;
const ANNUAL_REVIEW_MONTHS = 12;
/** The end-of-period review opens this many days before the plan ends. */
const FINAL_REVIEW_LEAD_DAYS = 30;
const WRITE_ATTEMPTS = 6;

// ---------------------------------------------------------------------------------------------
// Reading plans

export function currentPlan(tenantId: TenantId, userId: Id): Promise<PlanDoc | null> {
  return Plan.findOne(scoped(tenantId, { userId, current: true })).lean<PlanDoc>();
}

export async function getPlan(tenantId: TenantId, planId: Id | string): Promise<PlanDoc> {
  const plan = Types.ObjectId.isValid(planId) ? await Plan.findOne(scoped(tenantId, { _id: planId })).lean<PlanDoc>() : null;
  if (!plan) throw new NotFound('That plan');
  return plan;
}

/** Every plan of one teacher, newest first (the current one and the history). */
export function planHistory(tenantId: TenantId, userId: Id): Promise<PlanDoc[]> {
  return Plan.find(scoped(tenantId, { userId })).sort({ periodStart: -1, _id: -1 }).lean<PlanDoc[]>();
}

/** Read model for reports and the coach caseload: every plan (current and past) of these people, newest first. */
export function plansForUsers(tenantId: TenantId, userIds: Id[]): Promise<PlanDoc[]> {
  return Plan.find(scoped(tenantId, { userId: { $in: userIds } })).sort({ periodStart: -1, _id: -1 }).lean<PlanDoc[]>();
}

/** Whose plan each of these is (the audit log names a plan by its teacher). */
export async function planOwners(tenantId: TenantId, planIds: Id[]): Promise<Map<string, Id>> {
  const found = await Plan.find(scoped(tenantId, { _id: { $in: planIds } }), { userId: 1 }).lean<{ _id: Id; userId: Id }[]>();
  return new Map(found.map((p) => [String(p._id), p.userId]));
}

/** A goal of this teacher in any of their plans. */
export async function goalById(tenantId: TenantId, userId: Id, goalId: Id | string): Promise<{ plan: PlanDoc; goal: GoalDoc } | null> {
  if (!Types.ObjectId.isValid(goalId)) return null;
  const plan = await Plan.findOne(scoped(tenantId, { userId, 'goals._id': goalId })).lean<PlanDoc>();
  const goal = plan?.goals.find((g) => g._id.equals(goalId));
  return plan && goal ? { plan, goal } : null;
}

export function findGoal(plan: PlanDoc, goalId: Id | string): GoalDoc {
  const goal = plan.goals.find((g) => g._id.equals(goalId));
  if (!goal) throw new NotFound('That goal');
  return goal;
}

export function findPlanActivity(goal: GoalDoc, planActivityId: Id | string): PlanActivityDoc {
  const activity = goal.activities.find((a) => a._id.equals(planActivityId));
  if (!activity) throw new NotFound('That activity');
  return activity;
}

/** Plans waiting for an approver, oldest first. */
export function submittedPlans(tenantId: TenantId): Promise<PlanDoc[]> {
  return Plan.find(scoped(tenantId, { status: 'submitted', current: true })).sort({ submittedAt: 1 }).lean<PlanDoc[]>();
}

/** Current plans with evidence an approver has not verified or rejected yet. */
export function plansWithEvidenceToVerify(tenantId: TenantId): Promise<PlanDoc[]> {
  return Plan.find(scoped(tenantId, { current: true, 'goals.activities.evidence.status': 'submitted' })).sort({ updatedAt: 1 }).lean<PlanDoc[]>();
}

// ---------------------------------------------------------------------------------------------
// Progress, totals and reviews (pure)

function doneHours(a: PlanActivityDoc): number {
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

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
export const money = (n: number) => formatMoney(round(n));
const hoursText = (n: number) => `${round(n, 1)} h`;

function monthsBetween(start: Date, end: Date): number {
  return Math.max(1, (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth());
}

/** Planned hours and cost, annualised over the plan period, against the tenant's caps. */
export function planTotals(plan: Pick<PlanDoc, 'goals' | 'periodStart' | 'periodEnd'>, policy: PlanTotals['caps']): PlanTotals {
  const all = plan.goals.flatMap((g) => g.activities);
  const hours = all.reduce((s, a) => s + a.hours, 0);
  const cost = all.reduce((s, a) => s + a.cost, 0);
  const years = monthsBetween(plan.periodStart, plan.periodEnd) / 12;
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

function addMonths(d: Date, months: number): Date {
  const out = new Date(d);
  out.setUTCMonth(out.getUTCMonth() + months);
  return out;
}

function today(): Date {
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
// Writing plans: every change is a conditional update on the rev it read, retried on a race.

async function mutatePlan<T>(tenantId: TenantId, planId: Id, change: (plan: PlanDoc) => T): Promise<{ plan: PlanDoc; result: T }> {
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const plan = await getPlan(tenantId, planId);
    const result = change(plan);
    const { _id, tenantId: _tenant, userId: _user, rev, createdAt: _c, updatedAt: _u, ...fields } = plan as PlanDoc & { createdAt?: Date; updatedAt?: Date };
    const res = await Plan.updateOne(scoped(tenantId, { _id, rev }), { $set: fields, $inc: { rev: 1 } });
    if (res.matchedCount === 1) return { plan: { ...plan, rev: rev + 1 }, result };
  }
  throw new Conflict('The plan was changed by someone else at the same moment; please try again.');
}

const STRUCTURE_EDITABLE = ['draft', 'returned'];
const PROGRESS_OPEN = ['active', 'in-review'];

function requireStatus(plan: PlanDoc, allowed: readonly string[], doing: string): void {
  if (!allowed.includes(plan.status)) throw new Conflict(`This plan is ${plan.status}; you can ${doing} only while it is ${allowed.join(' or ')}.`);
}

async function policyOf(tenantId: TenantId): Promise<TenantPolicy> {
  return (await tenants.getTenant(tenantId)).policy as TenantPolicy;
}

async function statusChanged(plan: PlanDoc, transition: string, by: ChangedBy, comment?: string, before?: string): Promise<void> {
  await audit.record(plan.tenantId, {
    actor: by,
    action: `plan.${transition}`,
    subject: { kind: 'plan', id: plan._id },
    before: before ? { status: before } : undefined,
    after: { status: plan.status, ...(comment ? { comment } : {}) },
  });
  await emit('plan.status', { tenantId: plan.tenantId, userId: plan.userId, planId: plan._id, status: transition, actorId: by.userId, ...(comment ? { comment } : {}) });
}

/** The teacher's current plan, or a new draft for the policy's period; one per teacher even under races. */
export async function ensureDraftPlan(tenantId: TenantId, userId: Id, by?: ChangedBy): Promise<PlanDoc> {
  const existing = await currentPlan(tenantId, userId);
  if (existing) return existing;
  const policy = await policyOf(tenantId);
  const start = today();
  try {
    const created = (
      await Plan.create({
        tenantId,
        userId,
        status: 'draft',
        current: true,
        periodStart: start,
        periodEnd: addMonths(start, policy.planMonths),
        caps: capsOf(policy),
      })
    ).toObject() as unknown as PlanDoc;
    await statusChanged(created, 'created', by ?? { userId, name: 'system' });
    return created;
  } catch (err) {
    // Another request created the current plan between our read and insert: the unique index said no.
    if ((err as { code?: number }).code !== 11000) throw err;
    const winner = await currentPlan(tenantId, userId);
    if (!winner) throw err;
    return winner;
  }
}

function capsOf(policy: TenantPolicy) {
  return { planMonths: policy.planMonths, maxCostPerYear: policy.maxCostPerYear, maxHoursPerYear: policy.maxHoursPerYear, minHoursPerYear: policy.minHoursPerYear };
}

// ---------------------------------------------------------------------------------------------
// Goals

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
const numberField = (v: unknown) => (blank(trimmed(v)) === undefined ? undefined : Number(v));
const text = (min: number, max: number, missing: string) => z.string(missing).trim().min(min, missing).max(max, `Keep it under ${max} characters`);
const dateField = (missing: string) => z.preprocess((v) => blank(trimmed(v)), z.coerce.date(missing));
const optionalDate = z.preprocess((v) => blank(trimmed(v)), z.coerce.date('Enter a date as YYYY-MM-DD').optional());
const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1', z.boolean());

const GoalFields = z
  .object({
    statement: text(10, 500, 'Write the goal as one or two sentences (at least 10 characters)'),
    competency: z.preprocess((v) => blank(trimmed(v)), z.string().toUpperCase().optional()),
    targetLevel: z.preprocess(numberField, z.number('Choose a target level from 1 to 4').int().min(1, 'Choose a target level from 1 to 4').max(4, 'Choose a target level from 1 to 4')),
    measure: text(3, 500, 'Say how you will know you reached the goal'),
    targetDate: dateField('Enter a target date as YYYY-MM-DD'),
    ruleKind: z.enum(['all', 'n-of-m', 'hours'], 'Choose how the goal is completed').default('all'),
    ruleN: z.preprocess(numberField, z.number('Enter how many activities').int('Enter a whole number').min(1, 'At least 1 activity').max(50, 'At most 50 activities').optional()),
    ruleHours: z.preprocess(numberField, z.number('Enter the hours as a number').min(0.5, 'At least half an hour').max(2000, 'At most 2000 hours').optional()),
  })
  .superRefine((g, ctx) => {
    if (g.ruleKind === 'n-of-m' && g.ruleN === undefined) ctx.addIssue({ code: 'custom', path: ['ruleN'], message: 'Enter how many activities complete the goal' });
    if (g.ruleKind === 'hours' && g.ruleHours === undefined) ctx.addIssue({ code: 'custom', path: ['ruleHours'], message: 'Enter how many hours complete the goal' });
  });
export type GoalInput = z.infer<typeof GoalFields>;

function ruleOf(input: GoalInput): GoalRule {
  if (input.ruleKind === 'n-of-m') return { kind: 'n-of-m', n: input.ruleN! };
  if (input.ruleKind === 'hours') return { kind: 'hours', hours: input.ruleHours! };
  return { kind: 'all' };
}

function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Invalid(`The ${what} has problems; nothing was saved.`, fieldErrors(parsed.error));
  return parsed.data;
}

/** Checks a goal form against the plan period and the tenant's framework; throws Invalid per field. */
export async function validateGoal(tenantId: TenantId, plan: PlanDoc, raw: unknown): Promise<GoalInput> {
  const input = parse(GoalFields, raw, 'goal');
  const errors: FieldErrors = {};
  if (input.targetDate < today()) errors.targetDate = 'The target date is in the past';
  else if (input.targetDate > plan.periodEnd) errors.targetDate = 'Choose a date on or before your plan ends';
  const codes = await frameworkCodes(tenantId);
  if (codes.size && !input.competency) errors.competency = 'Choose the competency this goal develops';
  else if (input.competency && codes.size && !codes.has(input.competency)) errors.competency = `${input.competency} is not in your district's framework`;
  if (Object.keys(errors).length) throw new Invalid('The goal has problems; nothing was saved.', errors);
  return input;
}

async function frameworkCodes(tenantId: TenantId): Promise<Set<string>> {
  if (!(await frameworks.hasActiveFramework(tenantId))) return new Set();
  return new Set((await frameworks.activeFramework(tenantId)).competencies.map((c) => c.code));
}

function goalFieldsOf(input: GoalInput) {
  return { statement: input.statement, competency: input.competency ?? '', targetLevel: input.targetLevel, measure: input.measure, targetDate: input.targetDate, rule: ruleOf(input) };
}

function newGoal(fields: Partial<GoalDoc>): GoalDoc {
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

/** Assigned goals follow their pathway version: only PD staff change them (by migrating the assignment). */
function requireOwnGoal(goal: GoalDoc, doing: string): void {
  if (goal.origin?.kind === 'pathway') throw new Conflict(`This goal was assigned by your district PD office, so you cannot ${doing}; ask them if it needs to change.`);
}

function requireRoomForGoal(plan: PlanDoc): void {
  if (plan.goals.length >= MAX_GOALS) throw new Invalid(`A plan has at most ${MAX_GOALS} goals; remove one before adding another. Nothing was saved.`, { statement: `Your plan already has ${MAX_GOALS} goals` });
}

async function goalChanged(plan: PlanDoc, action: string, goal: Pick<GoalDoc, '_id' | 'statement'>, by: ChangedBy, after: Record<string, unknown> = {}): Promise<void> {
  await audit.record(plan.tenantId, { actor: by, action: `goal.${action}`, subject: { kind: 'plan', id: plan._id }, after: { goalId: String(goal._id), statement: goal.statement, ...after } });
}

/** Adds a goal to a draft or returned plan; on an approved plan it is proposed as a change. */
export async function addGoal(tenantId: TenantId, planId: Id, raw: unknown, by: ChangedBy): Promise<GoalDoc> {
  const plan = await getPlan(tenantId, planId);
  if (plan.status === 'active') {
    const proposed = newGoal(goalFieldsOf(await validateGoal(tenantId, plan, raw)));
    await proposeChange(tenantId, planId, (p) => changes.proposeGoal(p, proposed, MAX_GOALS, by), by);
    return proposed;
  }
  requireStatus(plan, STRUCTURE_EDITABLE, 'add goals');
  requireRoomForGoal(plan);
  const input = await validateGoal(tenantId, plan, raw);
  const goal = newGoal(goalFieldsOf(input));
  await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'add goals');
    requireRoomForGoal(p);
    p.goals.push(goal);
  });
  await goalChanged(plan, 'added', goal, by);
  return goal;
}

export async function updateGoal(tenantId: TenantId, planId: Id, goalId: Id, raw: unknown, by: ChangedBy): Promise<void> {
  const plan = await getPlan(tenantId, planId);
  findGoal(plan, goalId);
  const input = await validateGoal(tenantId, plan, raw);
  const { plan: saved } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'change goals');
    const goal = findGoal(p, goalId);
    requireOwnGoal(goal, 'change it');
    Object.assign(goal, goalFieldsOf(input));
    goal.progress = goalProgress(goal);
  });
  await goalChanged(saved, 'updated', findGoal(saved, goalId), by);
}

export async function removeGoal(tenantId: TenantId, planId: Id, goalId: Id, by: ChangedBy): Promise<void> {
  if ((await getPlan(tenantId, planId)).status === 'active') return proposeChange(tenantId, planId, (p) => changes.proposeGoalRemoval(p, goalId, by), by);
  const { result: removed } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'remove goals');
    const goal = findGoal(p, goalId);
    requireOwnGoal(goal, 'remove it');
    p.goals = p.goals.filter((g) => !g._id.equals(goalId));
    p.progress = planProgress(p);
    return goal;
  });
  await goalChanged(await getPlan(tenantId, planId), 'removed', removed, by);
}

// ---------------------------------------------------------------------------------------------
// Activities in a goal

function fromCatalog(a: catalog.ActivityDoc, fields: Partial<PlanActivityDoc> = {}): PlanActivityDoc {
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

const PlannedDates = z
  .object({ plannedStart: optionalDate, plannedEnd: optionalDate })
  .superRefine((d, ctx) => {
    if (d.plannedStart && d.plannedEnd && d.plannedEnd < d.plannedStart) ctx.addIssue({ code: 'custom', path: ['plannedEnd'], message: 'The end date is before the start date' });
  });

const CatalogPick = z.object({ activityId: z.string('Choose an activity').regex(/^[a-f0-9]{24}$/i, 'Choose an activity from the catalog') }).and(PlannedDates);

const CustomActivity = z
  .object({
    title: text(3, 160, 'Give the activity a title (at least 3 characters)'),
    hours: z.preprocess(numberField, z.number('Enter the hours as a number').min(0, 'Hours cannot be negative').max(500, 'At most 500 hours')),
    cost: z.preprocess((v) => numberField(v) ?? 0, z.number('Enter the cost as a number').min(0, 'The cost cannot be negative').max(100_000, 'At most 100000')),
    required: checkbox.default(true),
  })
  .and(PlannedDates);

async function addPlanActivity(tenantId: TenantId, planId: Id, goalId: Id, activity: PlanActivityDoc, by: ChangedBy): Promise<PlanActivityDoc> {
  if ((await getPlan(tenantId, planId)).status === 'active') {
    await proposeChange(tenantId, planId, (p) => changes.proposeActivity(p, goalId, activity, by), by);
    return activity;
  }
  const { plan } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'add activities');
    const goal = findGoal(p, goalId);
    requireOwnGoal(goal, 'change its activities');
    if (activity.activityId && goal.activities.some((a) => a.activityId?.equals(activity.activityId!))) throw new Invalid('That activity is already in this goal; nothing was saved.', { activityId: 'Already in this goal' });
    goal.activities.push(activity);
    goal.progress = goalProgress(goal);
    p.progress = planProgress(p);
  });
  await goalChanged(plan, 'activity-added', findGoal(plan, goalId), by, { activity: activity.title, hours: activity.hours, cost: activity.cost });
  return activity;
}

/** Adds a catalog activity (its title, kind, hours, cost and dates are copied into the plan). */
export async function addCatalogActivity(tenantId: TenantId, planId: Id, goalId: Id, raw: unknown, by: ChangedBy): Promise<PlanActivityDoc> {
  const input = parse(CatalogPick, raw, 'activity');
  const activity = await catalog.getActivity(tenantId, input.activityId);
  if (activity.status === 'retired') throw new Invalid('That activity is no longer offered; nothing was saved.', { activityId: 'No longer offered' });
  const dates = { ...(input.plannedStart ? { plannedStart: input.plannedStart } : {}), ...(input.plannedEnd ? { plannedEnd: input.plannedEnd } : {}) };
  return addPlanActivity(tenantId, planId, goalId, fromCatalog(activity, dates), by);
}

/** A teacher's own activity (a course elsewhere, a conference): title, hours, cost, dates. */
export async function addCustomActivity(tenantId: TenantId, planId: Id, goalId: Id, raw: unknown, by: ChangedBy): Promise<PlanActivityDoc> {
  const input = parse(CustomActivity, raw, 'activity');
  const activity = {
    _id: new Types.ObjectId(),
    title: input.title,
    kind: 'custom',
    hours: input.hours,
    cost: input.cost,
    certificateRequired: false,
    plannedStart: input.plannedStart,
    plannedEnd: input.plannedEnd,
    required: input.required,
    status: 'not-started',
    evidence: [],
  } as PlanActivityDoc;
  return addPlanActivity(tenantId, planId, goalId, activity, by);
}

/** When the teacher plans to do an activity (dates may be cleared); part of the plan, so only while it is editable. */
export async function setPlannedDates(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, raw: unknown, by: ChangedBy): Promise<void> {
  const dates = parse(PlannedDates, raw, 'dates');
  const { plan, result: activity } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'change planned dates');
    const found = findPlanActivity(findGoal(p, goalId), planActivityId);
    found.plannedStart = dates.plannedStart;
    found.plannedEnd = dates.plannedEnd;
    return found;
  });
  await goalChanged(plan, 'activity-dates', findGoal(plan, goalId), by, { activity: activity.title, plannedStart: dates.plannedStart, plannedEnd: dates.plannedEnd });
}

export async function removeActivity(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, by: ChangedBy): Promise<void> {
  if ((await getPlan(tenantId, planId)).status === 'active') return proposeChange(tenantId, planId, (p) => changes.proposeActivityRemoval(p, goalId, planActivityId, by), by);
  const { plan, result: removed } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'remove activities');
    const goal = findGoal(p, goalId);
    requireOwnGoal(goal, 'change its activities');
    const activity = findPlanActivity(goal, planActivityId);
    goal.activities = goal.activities.filter((a) => !a._id.equals(planActivityId));
    goal.progress = goalProgress(goal);
    p.progress = planProgress(p);
    return activity;
  });
  await goalChanged(plan, 'activity-removed', findGoal(plan, goalId), by, { activity: removed.title });
}

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
 * Adds a recommended competency as a goal with the chosen activities to the teacher's current plan
 * (starting a draft plan when there is none); on an approved plan it is proposed as a change.
 * Refused with the reason, and nothing saved, where the plan takes no new goal now.
 */
export async function addRecommendedGoal(tenantId: TenantId, userId: Id, rec: { competency: string; targetLevel: number; activityIds: Id[] }, by: ChangedBy): Promise<{ plan: PlanDoc; goal: GoalDoc; proposed: boolean }> {
  const opening = goalOpening(await currentPlan(tenantId, userId));
  if (opening.kind === 'closed') throw new Conflict(`${opening.reason} Nothing was saved.`);
  const competency = (await frameworks.activeFramework(tenantId)).competencies.find((c) => c.code === rec.competency);
  if (!competency) throw new Invalid('That competency is not in your district’s framework; nothing was saved.');
  const level = frameworks.LEVEL_NAMES[rec.targetLevel - 1] ?? 'the next level';
  const activities = await catalog.getActivities(tenantId, rec.activityIds);
  if (activities.length !== new Set(rec.activityIds.map(String)).size) throw new Invalid('An activity you chose is not in your district’s catalog; nothing was saved.');
  if (activities.some((a) => a.status !== 'active')) throw new Invalid('An activity you chose is no longer offered; nothing was saved.');
  const plan = opening.kind === 'start' ? await ensureDraftPlan(tenantId, userId, by) : opening.plan;
  const goal = newGoal({
    statement: `Grow in ${competency.name} to ${level} (level ${rec.targetLevel}).`,
    competency: competency.code,
    targetLevel: rec.targetLevel,
    measure: competency.levels[rec.targetLevel - 1] ?? '',
    targetDate: plan.periodEnd,
    activities: activities.map((a) => fromCatalog(a)),
  });
  if (plan.status === 'active') {
    await proposeChange(tenantId, plan._id, (p) => changes.proposeGoal(p, goal, MAX_GOALS, by), by);
    return { plan: await getPlan(tenantId, plan._id), goal, proposed: true };
  }
  const { plan: saved } = await mutatePlan(tenantId, plan._id, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'add goals');
    requireRoomForGoal(p);
    p.goals.push(goal);
    p.progress = planProgress(p);
  });
  await goalChanged(saved, 'added', goal, by, { from: 'recommendation', activities: activities.length });
  return { plan: saved, goal, proposed: false };
}

// ---------------------------------------------------------------------------------------------
// Assigned goals (PD-staff pathways)

export interface AssignedGoalInput {
  assignmentKey: string;
  statement: string;
  competency?: string;
  targetLevel?: number;
  measure?: string;
  dueAt?: Date;
  rule: GoalRule;
  achievementId?: Id;
  pathway: { id: Id; version: number; title: string };
  activities: { activityId: Id; required: boolean }[];
}

async function pathwayActivities(tenantId: TenantId, steps: { activityId: Id; required: boolean }[]): Promise<PlanActivityDoc[]> {
  const docs = new Map((await catalog.getActivities(tenantId, steps.map((s) => s.activityId))).map((a) => [String(a._id), a]));
  return steps.map((s) => {
    const a = docs.get(String(s.activityId));
    if (!a) throw new NotFound(`Activity ${s.activityId}`);
    return fromCatalog(a, { required: s.required });
  });
}

/** PD staff assign pathways: adds a goal marked as assigned, idempotent per assignmentKey; creates a draft plan if none. */
export async function addAssignedGoal(tenantId: TenantId, userId: Id, input: AssignedGoalInput): Promise<{ planId: Id; goalId: Id; created: boolean }> {
  const existing = await Plan.findOne(scoped(tenantId, { userId, $or: [{ 'goals.origin.assignmentKey': input.assignmentKey }, { 'change.changes.goal.origin.assignmentKey': input.assignmentKey }] })).sort({ current: -1, periodStart: -1 }).lean<PlanDoc>();
  const found = existing && assignedGoalIn(existing, input.assignmentKey);
  if (existing && found) return { planId: existing._id, goalId: found._id, created: false };
  const plan = await ensureDraftPlan(tenantId, userId);
  const goal = newGoal({
    statement: input.statement,
    competency: input.competency ?? '',
    targetLevel: input.targetLevel,
    measure: input.measure ?? '',
    targetDate: input.dueAt,
    rule: input.rule,
    origin: { kind: 'pathway', assignmentKey: input.assignmentKey, pathway: input.pathway, dueAt: input.dueAt },
    achievementId: input.achievementId,
    activities: await pathwayActivities(tenantId, input.activities),
  });
  const policy = await policyOf(tenantId);
  const { plan: saved, result } = await mutatePlan(tenantId, plan._id, (p) => {
    const raced = assignedGoalIn(p, input.assignmentKey);
    if (raced) return { goalId: raced._id, created: false, planProgressed: false };
    const before = p.progress;
    // An approved plan follows the change rule: the assigned goal waits for approval beside the approved goals.
    if (p.status === 'active' && policy.approvalRequired) changes.proposeAssignedGoal(p, goal, { userId, name: 'PD office' });
    else p.goals.push(goal);
    p.progress = planProgress(p);
    return { goalId: goal._id, created: true, planProgressed: p.progress !== before };
  });
  if (result.created && saved.change?.status === 'submitted' && !saved.goals.some((g) => g._id.equals(goal._id))) await notifyApprovers(saved, { userId, name: 'The PD office' }, 'change');
  if (result.created) {
    await goalChanged(plan, 'assigned', goal, { userId, name: 'PD office' }, { pathway: input.pathway.title, version: input.pathway.version });
    // A goal that joined the plan changes its progress (a new goal at 0%): the gradebook follows, like any other progress.
    if (saved.goals.some((g) => g._id.equals(goal._id))) await announceProgress(saved, { progressed: [goal._id], completed: [], planProgressed: result.planProgressed, completedActivities: [] });
    await notices.notify(tenantId, { userId, kind: 'goal.assigned', title: `New goal assigned: ${input.pathway.title}`, body: input.dueAt ? `Due ${formatDate(input.dueAt)}.` : '', link: `/plans/${plan._id}`, dedupeKey: `goal.assigned:${userId}:${input.assignmentKey}` });
  }
  return { planId: plan._id, goalId: result.goalId, created: result.created };
}

/** The goal of this assignment in the plan, approved or waiting in the proposed changes. */
function assignedGoalIn(plan: PlanDoc, assignmentKey: string): Pick<GoalDoc, '_id'> | undefined {
  return plan.goals.find((g) => g.origin?.assignmentKey === assignmentKey) ?? changes.proposalOf(plan).changes.filter((c) => c.goal?.origin?.assignmentKey === assignmentKey).map((c) => ({ _id: c.goalId }))[0];
}

/** A new pathway version: replaces the assigned goal's activities, keeping the completions of those that remain. */
export async function migrateAssignedGoal(tenantId: TenantId, userId: Id, assignmentKey: string, to: { version: number; rule: GoalRule; activities: { activityId: Id; required: boolean }[] }): Promise<void> {
  const plan = await Plan.findOne(scoped(tenantId, { userId, current: true, 'goals.origin.assignmentKey': assignmentKey })).lean<PlanDoc>();
  if (!plan) throw new NotFound('That assigned goal');
  const fresh = await pathwayActivities(tenantId, to.activities);
  const { plan: saved, result } = await mutatePlan(tenantId, plan._id, (p) => {
    const goal = p.goals.find((g) => g.origin?.assignmentKey === assignmentKey);
    if (!goal) throw new NotFound('That assigned goal');
    const kept = new Map(goal.activities.filter((a) => a.activityId).map((a) => [String(a.activityId), a]));
    goal.activities = fresh.map((a) => {
      const old = kept.get(String(a.activityId));
      return old ? { ...old, required: a.required } : a;
    });
    goal.rule = to.rule;
    if (goal.origin?.pathway) goal.origin.pathway.version = to.version;
    return recompute(p, [goal._id], false);
  });
  await audit.record(tenantId, { action: 'goal.migrated', subject: { kind: 'plan', id: saved._id }, after: { assignmentKey, version: to.version, activities: fresh.length } });
  await announceProgress(saved, result);
}

// ---------------------------------------------------------------------------------------------
// Progress: manual, LMS completions, evidence; goal completion and its events

interface Recomputed {
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
function recompute(plan: PlanDoc, touched: Id[], gateOnReflection: boolean): Recomputed {
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

interface Completion {
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
function markComplete(activity: PlanActivityDoc, c: Completion): boolean {
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

function catalogOrPlanId(activity: PlanActivityDoc): Id {
  return activity.activityId ?? activity._id;
}

/**
 * Emits what listeners (grade-back, credentials) need after a write. goal.progress may repeat;
 * goal.completed goes out until every listener took it, then the goal is marked announced.
 */
async function announceProgress(plan: PlanDoc, r: Recomputed, source?: string): Promise<void> {
  const base = { tenantId: plan.tenantId, userId: plan.userId, planId: plan._id };
  for (const { goalId, activity } of r.completedActivities) {
    if (activity.status !== 'done' || !activity.completedAt) continue;
    const done = { key: creditKey(plan._id, activity), title: activity.title, hours: activity.completedHours ?? activity.hours, completedAt: activity.completedAt };
    await emit('activity.completed', { ...base, goalId, activityId: catalogOrPlanId(activity), source: activity.source ?? source ?? 'manual', done });
  }
  for (const goalId of uniqueIds([...r.progressed, ...r.completed])) {
    const goal = findGoal(plan, goalId);
    await emit('goal.progress', { ...base, goalId, progress: goal.progress, completed: goal.status === 'completed' });
  }
  if (r.planProgressed) await emit('plan.progress', { ...base, progress: plan.progress });
  for (const goal of plan.goals.filter((g) => g.status === 'completed' && !g.announcedAt)) await announceGoalCompleted(plan, goal);
}

function uniqueIds(ids: Id[]): Id[] {
  return [...new Map(ids.map((id) => [String(id), id])).values()];
}

async function announceGoalCompleted(plan: PlanDoc, goal: GoalDoc): Promise<void> {
  await notices.notify(plan.tenantId, {
    userId: plan.userId,
    kind: 'goal.completed',
    title: `Goal completed: ${goal.statement.slice(0, 120)}`,
    body: 'Well done — take a moment to celebrate and reflect.',
    link: `/plans/${plan._id}/goals/${goal._id}`,
    celebrate: true,
    dedupeKey: `goal.completed:${goal._id}`,
  });
  const delivered = await emit('goal.completed', {
    tenantId: plan.tenantId,
    userId: plan.userId,
    planId: plan._id,
    goalId: goal._id,
    ...(goal.achievementId ? { achievementId: goal.achievementId } : {}),
    ...(goal.origin?.pathway?.id ? { pathwayId: goal.origin.pathway.id } : {}),
  });
  if (!delivered) return;
  await Plan.updateOne(scoped(plan.tenantId, { _id: plan._id, 'goals._id': goal._id }), { $set: { 'goals.$.announcedAt': new Date() }, $inc: { rev: 1 } });
  await audit.record(plan.tenantId, { action: 'goal.completed', subject: { kind: 'plan', id: plan._id }, after: { goalId: String(goal._id), statement: goal.statement } });
}

export interface CompletionInput {
  userId: Id;
  activityId: Id;
  completedAt: Date;
  source: CompletionSource;
  eventId?: Id;
  hours?: number;
}

/**
 * Completion sync: marks the activity done in every current plan of the user that contains it.
 * First completion wins; certificate-required activities wait for verification. Idempotent.
 */
export async function applyActivityCompletion(tenantId: TenantId, input: CompletionInput): Promise<{ applied: { planId: Id; goalId: Id }[]; alreadyDone: number; notInPlan: boolean }> {
  const plans = await Plan.find(scoped(tenantId, { userId: input.userId, current: true, 'goals.activities.activityId': input.activityId })).lean<PlanDoc[]>();
  const applied: { planId: Id; goalId: Id }[] = [];
  let alreadyDone = 0;
  for (const found of plans) {
    const { plan, result } = await mutatePlan(tenantId, found._id, (p) => completeMatching(p, (a) => !!a.activityId?.equals(input.activityId), input));
    applied.push(...result.applied.map((goalId) => ({ planId: plan._id, goalId })));
    alreadyDone += result.already.length;
    const recomputed = { ...result.recomputed, completedActivities: result.activities, progressed: [...result.recomputed.progressed, ...result.already] };
    await announceProgress(plan, recomputed, input.source);
    await nudgeReflection(plan, result.recomputed.completed);
  }
  return { applied, alreadyDone, notInPlan: plans.length === 0 };
}

/**
 * The one completion rule, for LMS sync, imports and verified certificates alike: every activity of
 * the plan that matches (the same catalog activity in any goal) is completed, and those goals recomputed.
 */
function completeMatching(p: PlanDoc, matches: (a: PlanActivityDoc) => boolean, c: Completion) {
  const r = { applied: [] as Id[], already: [] as Id[], activities: [] as Recomputed['completedActivities'] };
  for (const goal of p.goals) {
    for (const activity of goal.activities.filter(matches)) {
      if (markComplete(activity, c)) {
        r.applied.push(goal._id);
        r.activities.push({ goalId: goal._id, activity });
      } else r.already.push(goal._id);
    }
  }
  return { ...r, recomputed: recompute(p, r.applied, false) };
}

/** The same activity wherever the plan holds it: by catalog id, or (a custom one) by itself. */
function sameActivity(activity: PlanActivityDoc): (a: PlanActivityDoc) => boolean {
  return activity.activityId ? (a) => !!a.activityId?.equals(activity.activityId!) : (a) => a._id.equals(activity._id);
}

/** A goal completed by sync under a reflection-required policy: remind the teacher to reflect. */
async function nudgeReflection(plan: PlanDoc, completed: Id[]): Promise<void> {
  if (!completed.length || !(await policyOf(plan.tenantId)).reflectionRequired) return;
  for (const goal of completed.map((id) => findGoal(plan, id)).filter((g) => !g.reflections.length)) {
    await notices.notify(plan.tenantId, {
      userId: plan.userId,
      kind: 'reflection.nudge',
      title: 'Add a reflection to your completed goal',
      body: `What did you learn, and how will it change your practice? (${goal.statement.slice(0, 80)})`,
      link: `/plans/${plan._id}/goals/${goal._id}`,
      dedupeKey: `reflection.nudge:${goal._id}`,
    });
  }
}

const ManualProgress = z.object({ status: z.enum(['not-started', 'in-progress', 'done'], 'Choose not started, in progress or done') });

export interface ProgressOutcome {
  status: ActivityProgress;
  goalCompleted: boolean;
  /** The goal's rule is met but the policy wants a reflection before it completes. */
  needsReflection: boolean;
}

/** The teacher marks an activity's progress; done is final (first completion wins). */
export async function setActivityProgress(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, raw: unknown, by: ChangedBy): Promise<ProgressOutcome> {
  const { status } = parse(ManualProgress, raw, 'progress');
  const gate = (await policyOf(tenantId)).reflectionRequired;
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, PROGRESS_OPEN, 'record progress');
    const goal = findGoal(p, goalId);
    const activity = findPlanActivity(goal, planActivityId);
    if (activity.status === 'done' || activity.status === 'awaiting-verification') throw new Conflict('This activity is already complete.');
    const changed = status === 'done' ? markComplete(activity, { completedAt: new Date(), source: 'manual' }) : ((activity.status = status), true);
    const recomputed = recompute(p, [goal._id], gate);
    return { changed, recomputed: { ...recomputed, completedActivities: status === 'done' ? [{ goalId: goal._id, activity }] : [] }, goal, activity };
  });
  await audit.record(tenantId, { actor: by, action: 'activity.progress', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), activity: result.activity.title, status: result.activity.status } });
  await announceProgress(plan, result.recomputed, 'manual');
  const goal = findGoal(plan, goalId);
  return { status: result.activity.status as ActivityProgress, goalCompleted: goal.status === 'completed', needsReflection: goal.status === 'open' && goal.progress >= 1 };
}

/** A coach ticks off a coaching cycle's steps (plan → observe → debrief); the last one completes it. */
export async function tickCoachingStep(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, step: CoachingStep, by: ChangedBy): Promise<void> {
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, PROGRESS_OPEN, 'record coaching steps');
    const goal = findGoal(p, goalId);
    const activity = findPlanActivity(goal, planActivityId);
    if (activity.kind !== 'coaching-cycle') throw new Invalid('Only coaching cycles have steps to tick off.');
    activity.steps = { ...(activity.steps ?? {}), [step]: activity.steps?.[step] ?? new Date() };
    const allDone = COACHING_STEPS.every((s) => activity.steps?.[s]);
    if (!allDone && activity.status === 'not-started') activity.status = 'in-progress';
    const completed = allDone && markComplete(activity, { completedAt: new Date(), source: 'manual' });
    return { ...recompute(p, [goal._id], false), completedActivities: completed ? [{ goalId: goal._id, activity }] : [] };
  });
  await audit.record(tenantId, { actor: by, action: 'coaching.step', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), step } });
  await announceProgress(plan, result, 'manual');
}

// ---------------------------------------------------------------------------------------------
// Evidence and certificates (files in GridFS through the mongoose connection)

export const EVIDENCE_TYPES: Record<string, { ext: string[]; magic: (b: Buffer) => boolean; label: string }> = {
  'application/pdf': { ext: ['.pdf'], magic: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-', label: 'PDF' },
  'image/png': { ext: ['.png'], magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), label: 'PNG' },
  'image/jpeg': { ext: ['.jpg', '.jpeg'], magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff, label: 'JPEG' },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { ext: ['.docx'], magic: (b) => b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])), label: 'Word (.docx)' },
};

export function evidenceMaxBytes(): number {
  return config().evidence.maxFileMb * 1024 * 1024;
}

export interface UploadedFile {
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

const EvidenceFields = z.object({
  url: z.preprocess((v) => blank(trimmed(v)), z.url({ protocol: /^https?$/, error: 'Enter a link starting with https:// or http://' }).max(2000, 'Keep the link under 2000 characters').optional()),
  note: z.string().trim().max(1000, 'Keep the note under 1000 characters').default(''),
  isCertificate: checkbox.default(false),
});

function fileType(file: UploadedFile): string {
  const name = file.originalname.toLowerCase();
  const type = Object.entries(EVIDENCE_TYPES).find(([, t]) => t.ext.some((e) => name.endsWith(e)) && t.magic(file.buffer));
  if (!type) throw new Invalid('That file type is not accepted; nothing was saved.', { file: `Upload a ${Object.values(EVIDENCE_TYPES).map((t) => t.label).join(', ')} file` });
  return type[0];
}

function bucket() {
  return new mongoose.mongo.GridFSBucket(mongoose.connection.db!, { bucketName: 'evidence' });
}

async function storeFile(plan: PlanDoc, file: UploadedFile, contentType: string): Promise<Id> {
  const id = new Types.ObjectId();
  const upload = bucket().openUploadStreamWithId(id, file.originalname.slice(0, 200), { metadata: { tenantId: plan.tenantId, userId: plan.userId, planId: plan._id, contentType } });
  await new Promise<void>((resolve, reject) => {
    Readable.from([file.buffer]).pipe(upload).on('finish', () => resolve()).on('error', reject);
  });
  return id;
}

/** Adds a file or a link as evidence of an activity; a certificate can then be verified by an approver. */
export async function addEvidence(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, raw: unknown, file: UploadedFile | undefined, by: ChangedBy): Promise<EvidenceDoc> {
  const input = parse(EvidenceFields, raw, 'evidence');
  if (!file && !input.url) throw new Invalid('Choose a file or enter a link; nothing was saved.', { file: 'Choose a file to upload, or enter a link below' });
  if (file && file.size > evidenceMaxBytes()) throw new Invalid('The file is too large; nothing was saved.', { file: `Files can be at most ${config().evidence.maxFileMb} MB` });
  const contentType = file ? fileType(file) : undefined;
  const plan = await getPlan(tenantId, planId);
  requireStatus(plan, PROGRESS_OPEN, 'add evidence');
  findPlanActivity(findGoal(plan, goalId), planActivityId);
  const fileId = file && contentType ? await storeFile(plan, file, contentType) : undefined;
  const evidence = {
    _id: new Types.ObjectId(),
    kind: file ? 'file' : 'link',
    ...(file ? { fileId, filename: file.originalname.slice(0, 200), contentType, size: file.size } : { url: input.url }),
    note: input.note,
    isCertificate: input.isCertificate,
    status: 'submitted',
    addedAt: new Date(),
  } as EvidenceDoc;
  try {
    await mutatePlan(tenantId, planId, (p) => {
      requireStatus(p, PROGRESS_OPEN, 'add evidence');
      findPlanActivity(findGoal(p, goalId), planActivityId).evidence.push(evidence);
    });
  } catch (err) {
    if (fileId) await bucket().delete(fileId);
    throw err;
  }
  await audit.record(tenantId, { actor: by, action: 'evidence.added', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), kind: evidence.kind, certificate: evidence.isCertificate } });
  return evidence;
}

const EvidenceDecision = z
  .object({ decision: z.enum(['verify', 'reject'], 'Choose verify or reject'), reason: z.string().trim().max(1000, 'Keep the reason under 1000 characters').default('') })
  .superRefine((d, ctx) => {
    if (d.decision === 'reject' && !d.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'Say why the evidence is rejected, so the teacher can fix it' });
  });

/** An approver verifies evidence (the activity then counts as done) or rejects it with a reason. */
export async function decideEvidence(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, evidenceId: Id, raw: unknown, by: ChangedBy): Promise<void> {
  const input = parse(EvidenceDecision, raw, 'decision');
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    const goal = findGoal(p, goalId);
    const activity = findPlanActivity(goal, planActivityId);
    const evidence = activity.evidence.find((e) => e._id.equals(evidenceId));
    if (!evidence) throw new NotFound('That evidence');
    if (evidence.status !== 'submitted') throw new Conflict(`This evidence was already ${evidence.status}.`);
    Object.assign(evidence, { status: input.decision === 'verify' ? 'verified' : 'rejected', decidedBy: by.userId, decidedByName: by.name, decidedAt: new Date(), ...(input.reason ? { rejectionReason: input.reason } : {}) });
    if (input.decision !== 'verify') return { ...recompute(p, [goal._id], false), completedActivities: [], activity };
    const { recomputed, activities } = completeMatching(p, sameActivity(activity), { completedAt: new Date(), source: 'evidence', certified: true });
    return { ...recomputed, completedActivities: activities, activity };
  });
  await audit.record(tenantId, { actor: by, action: input.decision === 'verify' ? 'evidence.verified' : 'evidence.rejected', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), activity: result.activity.title } });
  await notices.notify(tenantId, {
    userId: plan.userId,
    kind: `evidence.${input.decision}`,
    title: input.decision === 'verify' ? `Your evidence for “${result.activity.title}” was verified` : `Your evidence for “${result.activity.title}” needs another look`,
    body: input.decision === 'verify' ? 'The activity now counts as done.' : input.reason,
    link: `/plans/${planId}/goals/${goalId}`,
  });
  await announceProgress(plan, result, 'evidence');
}

/** The stored file of an evidence item, as a stream with its name and type. */
export function openEvidenceFile(evidence: EvidenceDoc): { stream: NodeJS.ReadableStream; filename: string; contentType: string } {
  if (evidence.kind !== 'file' || !evidence.fileId) throw new NotFound('That file');
  return { stream: bucket().openDownloadStream(evidence.fileId), filename: evidence.filename ?? 'evidence', contentType: evidence.contentType ?? 'application/octet-stream' };
}

export function findEvidence(plan: PlanDoc, goalId: Id | string, planActivityId: Id | string, evidenceId: Id | string): EvidenceDoc {
  const evidence = findPlanActivity(findGoal(plan, goalId), planActivityId).evidence.find((e) => e._id.equals(evidenceId));
  if (!evidence) throw new NotFound('That evidence');
  return evidence;
}

// ---------------------------------------------------------------------------------------------
// Reflections and coaching feedback

const ReflectionFields = z.object({
  planActivityId: z.preprocess((v) => blank(trimmed(v)), z.string().regex(/^[a-f0-9]{24}$/i, 'Choose an activity of this goal').optional()),
  learned: text(3, 4000, 'Write what you learned'),
  practice: text(3, 4000, 'Write how it will change your practice'),
  impact: z.string().trim().max(4000, 'Keep it under 4000 characters').default(''),
  shared: checkbox.default(false),
});

/** A reflection on a goal or one of its activities; adding one can complete a goal that waited for it. */
export async function addReflection(tenantId: TenantId, planId: Id, goalId: Id, raw: unknown, by: ChangedBy): Promise<ReflectionDoc> {
  const input = parse(ReflectionFields, raw, 'reflection');
  const reflection = {
    _id: new Types.ObjectId(),
    ...(input.planActivityId ? { planActivityId: new Types.ObjectId(input.planActivityId) } : {}),
    learned: input.learned,
    practice: input.practice,
    impact: input.impact,
    shared: input.shared,
    at: new Date(),
  } as ReflectionDoc;
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, PROGRESS_OPEN, 'add reflections');
    const goal = findGoal(p, goalId);
    if (input.planActivityId) findPlanActivity(goal, input.planActivityId);
    goal.reflections.push(reflection);
    return { ...recompute(p, [goal._id], false), completedActivities: [] };
  });
  await audit.record(tenantId, { actor: by, action: 'reflection.added', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), shared: input.shared } });
  await notifyCoaches(plan, { kind: 'reflection.added', title: `${by.name} added a reflection`, link: `/plans/${planId}/goals/${goalId}` });
  await announceProgress(plan, result);
  return reflection;
}

/** The teacher shares a reflection with PD staff, or makes it private again. */
export async function setReflectionShared(tenantId: TenantId, planId: Id, goalId: Id, reflectionId: Id, shared: boolean, by: ChangedBy): Promise<void> {
  await mutatePlan(tenantId, planId, (p) => {
    const reflection = findGoal(p, goalId).reflections.find((r) => r._id.equals(reflectionId));
    if (!reflection) throw new NotFound('That reflection');
    reflection.shared = shared;
  });
  await audit.record(tenantId, { actor: by, action: shared ? 'reflection.shared' : 'reflection.unshared', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId) } });
}

const FeedbackFields = z.object({ text: text(1, 4000, 'Write your message') });

/** A message in a goal's coaching thread, from the coach or the teacher; the other side is told. */
export async function addFeedback(tenantId: TenantId, planId: Id, goalId: Id, raw: unknown, by: ChangedBy & { role: 'coach' | 'teacher' }): Promise<void> {
  const input = parse(FeedbackFields, raw, 'message');
  const { plan } = await mutatePlan(tenantId, planId, (p) => {
    findGoal(p, goalId).feedback.push({ _id: new Types.ObjectId(), authorId: by.userId, authorName: by.name, authorRole: by.role, text: input.text, at: new Date() } as GoalDoc['feedback'][number]);
  });
  await audit.record(tenantId, { actor: by, action: 'feedback.added', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), role: by.role } });
  const notice = { kind: 'feedback', title: by.role === 'coach' ? `${by.name} left feedback on your goal` : `${by.name} replied on their goal`, link: `/plans/${planId}/goals/${goalId}` };
  if (by.role === 'coach') await notices.notify(tenantId, { userId: plan.userId, ...notice });
  else await notifyCoaches(plan, notice);
}

async function notifyCoaches(plan: PlanDoc, notice: { kind: string; title: string; link: string }): Promise<void> {
  const teacher = await users.getUser(plan.tenantId, plan.userId);
  for (const coachId of teacher.coachIds) await notices.notify(plan.tenantId, { userId: coachId, ...notice });
}

// ---------------------------------------------------------------------------------------------
// Lifecycle: commitment, submit, approve/return, review, renew

const CommitmentFields = z.object({
  agreed: checkbox.refine((v) => v, 'Tick the box to agree to the time commitment'),
  text: text(10, 2000, 'Describe the time you commit (at least 10 characters)'),
});

/** Saves the agreed time commitment; the same text agreed again changes nothing. */
export async function setCommitment(tenantId: TenantId, planId: Id, raw: unknown, by: ChangedBy): Promise<void> {
  const input = parse(CommitmentFields, raw, 'commitment');
  const { result: changed } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'change the commitment');
    if (p.commitment?.agreed && p.commitment.text === input.text) return false;
    p.commitment = { agreed: true, text: input.text, at: new Date() };
    return true;
  });
  if (changed) await audit.record(tenantId, { actor: by, action: 'plan.commitment', subject: { kind: 'plan', id: planId }, after: { agreed: true } });
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

const ExceptionRequest = z.object({ exceptionRequest: z.string().trim().max(2000, 'Keep it under 2000 characters').default('') });

/**
 * What a submission (of a plan or of changes) may not go with: structural problems always stop it;
 * being over the caps stops it unless the teacher asks the approver for an exception, saying why.
 */
function requireSubmittable(plan: Pick<PlanDoc, 'goals' | 'commitment' | 'periodStart' | 'periodEnd'>, policy: TenantPolicy, raw: unknown, what: string): string {
  const { exceptionRequest } = parse(ExceptionRequest, raw ?? {}, 'request');
  const over = planTotals(plan, policy).problems.map((p) => p.message);
  const blocking = submitProblems(plan, policy).filter((p) => !over.includes(p));
  if (blocking.length) throw new Invalid(`The ${what} cannot be submitted yet: ${blocking.join(' ')}`);
  if (over.length && !exceptionRequest) throw new Invalid(`The ${what} cannot be submitted as it is: ${over.join(' ')} Change it, or ask your approver for an exception and say why.`, { exceptionRequest: 'Say why your plan needs more than the caps allow, or change the plan' });
  return over.length ? `Asks for an exception to the caps: ${exceptionRequest}` : '';
}

/** Submits for approval, or activates directly when the district does not require approval. */
export async function submitPlan(tenantId: TenantId, planId: Id, by: ChangedBy, raw: unknown = {}): Promise<PlanDoc> {
  const policy = await policyOf(tenantId);
  const { plan, result: before } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'submit');
    const comment = requireSubmittable(p, policy, raw, 'plan');
    const was = p.status;
    const now = new Date();
    p.caps = capsOf(policy);
    p.submittedAt = now;
    p.approvals.push({ _id: new Types.ObjectId(), by: by.userId, byName: by.name, decision: 'submitted', comment, at: now });
    if (policy.approvalRequired) p.status = 'submitted';
    else activate(p, now);
    return was;
  });
  await statusChanged(plan, 'submitted', by, undefined, before);
  if (plan.status === 'active') await announceApproval(plan, by, 'Your district does not require approval, so the plan is active.');
  else await notifyApprovers(plan, by);
  return plan;
}

function activate(plan: PlanDoc, at: Date): void {
  plan.status = 'active';
  plan.approvedAt = at;
}

/** Whoever the district's rule makes an approver of this teacher's plan: PD staff, and people granted Approver unless PD staff alone approve. */
export async function approversOf(tenantId: TenantId, teacherId: Id): Promise<users.UserDoc[]> {
  const rule = (await tenants.getTenant(tenantId)).policy.approvers;
  const granted = rule === 'approver-grant' ? await users.listUsers(tenantId, { grant: 'approver' }) : [];
  const all = [...granted, ...(await users.listPdStaff(tenantId))];
  return all.filter((u, i) => all.findIndex((v) => v._id.equals(u._id)) === i && !u._id.equals(teacherId));
}

async function notifyApprovers(plan: PlanDoc, by: ChangedBy, what: 'plan' | 'change' = 'plan'): Promise<void> {
  const at = what === 'plan' ? plan.submittedAt : plan.change?.submittedAt;
  const title = what === 'plan' ? `${by.name} submitted a PD plan for approval` : `${by.name} proposed changes to an approved PD plan`;
  for (const approver of await approversOf(plan.tenantId, plan.userId)) {
    await notices.notify(plan.tenantId, { userId: approver._id, kind: `${what}.submitted`, title, link: `/plans/${plan._id}`, dedupeKey: `${what}.submitted:${plan._id}:${at?.getTime()}:${approver._id}` });
  }
}

async function announceApproval(plan: PlanDoc, by: ChangedBy, body: string): Promise<void> {
  await statusChanged(plan, 'approved', by, body);
  await notices.notify(plan.tenantId, { userId: plan.userId, kind: 'plan.approved', title: 'Your PD plan is approved!', body, link: `/plans/${plan._id}`, celebrate: true, dedupeKey: `plan.approved:${plan._id}` });
}

const Decision = z
  .object({
    decision: z.enum(['approve', 'return'], 'Choose approve or return'),
    comment: z.string().trim().max(4000, 'Keep the comment under 4000 characters').default(''),
    exception: z.string().trim().max(2000, 'Keep the reason under 2000 characters').default(''),
  })
  .superRefine((d, ctx) => {
    if (d.decision === 'return' && !d.comment) ctx.addIssue({ code: 'custom', path: ['comment'], message: 'Say what the teacher should change' });
  });
type DecisionInput = z.infer<typeof Decision>;
type CapException = { reason: string; over: string[] };

/** Approving over the district's caps needs the approver's written reason; it is kept on the plan and audited. */
function capException(input: DecisionInput, over: CapProblem[], what: string): CapException | undefined {
  if (input.decision !== 'approve' || !over.length) return undefined;
  if (!input.exception) throw new Invalid(`${what} is over the district's caps: ${over.map((o) => o.message).join(' ')} To approve it anyway, write the reason for the exception; otherwise return it with a comment.`, { exception: 'Write why this plan may go over the caps' });
  return { reason: input.exception, over: over.map((o) => o.message) };
}

function decision(by: ChangedBy, kind: PlanDoc['approvals'][number]['decision'], input: Pick<DecisionInput, 'comment'>, exception?: CapException): PlanDoc['approvals'][number] {
  return { _id: new Types.ObjectId(), by: by.userId, byName: by.name, decision: kind, comment: input.comment, at: new Date(), ...(exception ? { exception } : {}) } as PlanDoc['approvals'][number];
}

async function auditException(plan: PlanDoc, by: ChangedBy, exception: CapException | undefined): Promise<void> {
  if (exception) await audit.record(plan.tenantId, { actor: by, action: 'plan.cap-exception', subject: { kind: 'plan', id: plan._id }, after: { reason: exception.reason, over: exception.over.join(' ') } });
}

/** An approver approves (caps re-checked; over them only with a written exception) or returns a submitted plan with comments. */
export async function decidePlan(tenantId: TenantId, planId: Id, raw: unknown, by: ChangedBy): Promise<PlanDoc> {
  const input = parse(Decision, raw, 'decision');
  const policy = await policyOf(tenantId);
  const { plan, result: exception } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['submitted'], 'approve or return');
    const exception = capException(input, planTotals(p, policy).problems, 'This plan');
    p.approvals.push(decision(by, input.decision === 'approve' ? 'approved' : 'returned', input, exception));
    if (input.decision === 'approve') activate(p, new Date());
    else p.status = 'returned';
    return exception;
  });
  await auditException(plan, by, exception);
  if (plan.status === 'active') await announceApproval(plan, by, input.comment || `Approved by ${by.name}.`);
  else {
    await statusChanged(plan, 'returned', by, input.comment, 'submitted');
    await notices.notify(tenantId, { userId: plan.userId, kind: 'plan.returned', title: `${by.name} returned your plan with comments`, body: input.comment, link: `/plans/${plan._id}` });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Changes to an approved plan (rules in changes.ts): proposed, sent, approved or returned; each step
// is one conditional update of the plan, and the approved goals stay in force until approval.

async function proposeChange(tenantId: TenantId, planId: Id, change: (p: PlanDoc) => ChangeDoc | undefined, by: ChangedBy): Promise<void> {
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['active'], 'propose changes');
    return change(p);
  });
  if (result) await audit.record(tenantId, { actor: by, action: 'plan.change-proposed', subject: { kind: 'plan', id: plan._id }, after: { change: changes.describeChange(result) } });
}

/** The teacher withdraws one of their proposed changes. */
export async function withdrawChange(tenantId: TenantId, planId: Id, changeId: Id, by: ChangedBy): Promise<void> {
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['active'], 'withdraw a change');
    return changes.withdraw(p, changeId);
  });
  await audit.record(tenantId, { actor: by, action: 'plan.change-withdrawn', subject: { kind: 'plan', id: plan._id }, after: { change: changes.describeChange(result) } });
}

/** Applies the proposed changes to the goals as they are now (progress made meanwhile is kept). */
function applyProposal(p: PlanDoc): Recomputed {
  p.goals = changes.proposedGoals(p);
  p.change = { status: 'open', changes: [] } as unknown as PlanDoc['change'];
  return recompute(p, p.goals.map((g) => g._id), false);
}

/** The teacher sends the proposed changes for approval (applied at once where the district needs no approval). */
export async function sendChanges(tenantId: TenantId, planId: Id, raw: unknown, by: ChangedBy): Promise<PlanDoc> {
  const policy = await policyOf(tenantId);
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['active'], 'send changes');
    const proposal = changes.proposalOf(p);
    if (proposal.status === 'submitted') throw new Conflict('Your proposed changes are already waiting for approval.');
    if (!proposal.changes.length) throw new Invalid('There are no proposed changes to send.');
    const comment = requireSubmittable({ ...p, goals: changes.proposedGoals(p) }, policy, raw, 'changed plan');
    p.approvals.push(decision(by, 'change-submitted', { comment }));
    if (!policy.approvalRequired) return applyProposal(p);
    p.change = { ...proposal, status: 'submitted', submittedAt: new Date() };
    return undefined;
  });
  await audit.record(tenantId, { actor: by, action: 'plan.change-submitted', subject: { kind: 'plan', id: plan._id }, after: { changes: plan.change?.changes.length ?? 0 } });
  if (result) await announceProgress(plan, result);
  else await notifyApprovers(plan, by, 'change');
  return plan;
}

/** An approver approves the proposed changes (caps checked on the changed plan) or returns them with a comment. */
export async function decideChange(tenantId: TenantId, planId: Id, raw: unknown, by: ChangedBy): Promise<PlanDoc> {
  const input = parse(Decision, raw, 'decision');
  const policy = await policyOf(tenantId);
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['active'], 'approve changes');
    const proposal = changes.proposalOf(p);
    if (proposal.status !== 'submitted') throw new Conflict('There are no changes waiting for approval on this plan.');
    const exception = capException(input, planTotals({ ...p, goals: changes.proposedGoals(p) }, policy).problems, 'The changed plan');
    p.approvals.push(decision(by, input.decision === 'approve' ? 'change-approved' : 'change-returned', input, exception));
    if (input.decision === 'approve') return { exception, recomputed: applyProposal(p) };
    p.change = { ...proposal, status: 'open' };
    return { exception, recomputed: undefined };
  });
  await auditException(plan, by, result.exception);
  await audit.record(tenantId, { actor: by, action: input.decision === 'approve' ? 'plan.change-approved' : 'plan.change-returned', subject: { kind: 'plan', id: plan._id }, after: input.comment ? { comment: input.comment } : {} });
  const approved = input.decision === 'approve';
  await notices.notify(tenantId, { userId: plan.userId, kind: approved ? 'change.approved' : 'change.returned', title: approved ? 'The changes to your PD plan are approved' : `${by.name} returned your proposed changes with comments`, body: input.comment, link: `/plans/${plan._id}` });
  if (result.recomputed) await announceProgress(plan, result.recomputed);
  return plan;
}

/** Plans with changes waiting for an approver, oldest first. */
export function plansWithChangesToApprove(tenantId: TenantId): Promise<PlanDoc[]> {
  return Plan.find(scoped(tenantId, { current: true, status: 'active', 'change.status': 'submitted' })).sort({ 'change.submittedAt': 1 }).lean<PlanDoc[]>();
}

export interface ReviewInput {
  summary: string;
  goals: Record<string, { reflection: string; selfLevel?: number }>;
}

const reviewLevel = z.preprocess(numberField, z.number('Rate yourself from 1 to 4').int().min(1, 'Rate yourself from 1 to 4').max(4, 'Rate yourself from 1 to 4'));

function reviewSchema(plan: PlanDoc) {
  const goals = Object.fromEntries(
    plan.goals.map((g) => [String(g._id), z.object({ reflection: text(3, 4000, 'Reflect on this goal (at least 3 characters)'), selfLevel: g.competency ? reviewLevel : reviewLevel.optional() })]),
  );
  return z.object({ summary: z.string().trim().max(4000, 'Keep it under 4000 characters').default(''), goals: z.preprocess((v) => v ?? {}, z.object(goals)) });
}

/** The annual or end-of-period review: a reflection and self re-rating per goal; the plan goes in review. */
export async function completeReview(tenantId: TenantId, planId: Id, raw: unknown, by: ChangedBy): Promise<void> {
  const plan = await getPlan(tenantId, planId);
  requireStatus(plan, ['active'], 'write a review');
  const input = parse(reviewSchema(plan), raw, 'review');
  const kind = reviewKindNow(plan);
  const review = {
    _id: new Types.ObjectId(),
    kind,
    summary: input.summary,
    completedAt: new Date(),
    goals: plan.goals.map((g) => ({ goalId: g._id, competency: g.competency ?? '', reflection: input.goals[String(g._id)]!.reflection, selfLevel: input.goals[String(g._id)]!.selfLevel })),
  } as PlanDoc['reviews'][number];
  const { plan: saved } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['active'], 'write a review');
    p.reviews.push(review);
    p.status = 'in-review';
  });
  await statusChanged(saved, 'review-started', by, `${kind} review`, 'active');
  await notifyCoaches(saved, { kind: 'review.completed', title: `${by.name} completed their ${kind === 'annual' ? 'annual' : 'end-of-period'} review`, link: `/plans/${planId}` });
}

/** After an annual review the plan carries on. */
export async function continuePlan(tenantId: TenantId, planId: Id, by: ChangedBy): Promise<void> {
  const { plan } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['in-review'], 'continue the plan');
    if (p.periodEnd <= new Date()) throw new Conflict('The plan period is over; renew it to start the next plan.');
    p.status = 'active';
  });
  await statusChanged(plan, 'resumed', by, undefined, 'in-review');
}

function carriedGoal(goal: GoalDoc): GoalDoc {
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

/**
 * Ends a reviewed plan (completed when every goal is, else closed) and starts the next draft with the
 * unfinished goals carried over, their done activities dropped.
 */
export async function renewPlan(tenantId: TenantId, planId: Id, by: ChangedBy): Promise<PlanDoc> {
  const { plan: ended } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['in-review'], 'renew');
    p.status = p.goals.length && p.goals.every((g) => g.status === 'completed') ? 'completed' : 'closed';
    p.current = false;
    p.endedAt = new Date();
  });
  await statusChanged(ended, ended.status, by, undefined, 'in-review');
  const carried = ended.goals.filter((g) => g.status !== 'completed').map(carriedGoal);
  const next = await ensureDraftPlan(tenantId, ended.userId, by);
  const { plan } = await mutatePlan(tenantId, next._id, (p) => {
    p.previousPlanId = ended._id;
    const present = new Set(p.goals.map((g) => String(g.origin?.fromGoalId)));
    p.goals.push(...carried.filter((g) => !present.has(String(g.origin?.fromGoalId))));
    p.progress = planProgress(p);
  });
  await statusChanged(plan, 'renewed', by, `${carried.length} unfinished goal(s) carried over`);
  return plan;
}

// ---------------------------------------------------------------------------------------------
// PLC / team goals

const GroupGoalFields = z.object({ memberIds: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^[a-f0-9]{24}$/i, 'Choose colleagues from the list')).min(1, 'Choose at least one colleague').max(30, 'At most 30 colleagues')) });

function groupGoalFields(goal: GoalInput) {
  const { rule: _rule, ...fields } = goalFieldsOf(goal);
  return fields;
}

/**
 * Why this teacher's current plan cannot take a team goal now (undefined when it can: a draft or
 * returned plan takes it directly, an approved one as a proposed change).
 */
export function teamGoalBlocker(plan: PlanDoc | null): string | undefined {
  const opening = goalOpening(plan);
  return opening.kind === 'closed' ? opening.reason : undefined;
}

function requireRoomForTeamGoal(plan: PlanDoc): void {
  const blocker = teamGoalBlocker(plan);
  if (blocker) throw new Conflict(`${blocker} Nothing was saved.`);
}

export async function createGroupGoal(tenantId: TenantId, owner: ChangedBy, raw: unknown): Promise<GroupGoalDoc> {
  const plan = await ensureDraftPlan(tenantId, owner.userId, owner);
  requireRoomForTeamGoal(plan);
  const errors: FieldErrors = {};
  let goalInput: GoalInput | undefined;
  try {
    goalInput = await validateGoal(tenantId, plan, raw);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    Object.assign(errors, err.fields);
  }
  const members = GroupGoalFields.safeParse(raw);
  if (!members.success) Object.assign(errors, fieldErrors(members.error));
  if (!goalInput || !members.success) throw new Invalid('The team goal has problems; nothing was saved.', errors);
  const memberIds = uniqueIds(members.data.memberIds.map((id) => new Types.ObjectId(id))).filter((id) => !id.equals(owner.userId));
  if ((await users.listUsers(tenantId, { ids: memberIds })).length !== memberIds.length) throw new Invalid('The team goal has problems; nothing was saved.', { memberIds: 'Choose colleagues from your district' });
  const group = (await GroupGoal.create({ tenantId, ownerId: owner.userId, ownerName: owner.name, ...groupGoalFields(goalInput), invitedIds: [owner.userId, ...memberIds], memberIds: [] })).toObject() as unknown as GroupGoalDoc;
  await audit.record(tenantId, { actor: owner, action: 'group-goal.created', subject: { kind: 'group-goal', id: group._id }, after: { statement: group.statement, invited: memberIds.length } });
  await joinGroupGoal(tenantId, group._id, owner);
  for (const id of memberIds) {
    await notices.notify(tenantId, { userId: id, kind: 'group-goal.shared', title: `${owner.name} shared a team goal with you`, body: group.statement, link: `/team-goals/${group._id}`, dedupeKey: `group-goal.shared:${group._id}:${id}` });
  }
  return (await getGroupGoal(tenantId, group._id))!;
}

export async function getGroupGoal(tenantId: TenantId, id: Id | string): Promise<GroupGoalDoc> {
  const group = Types.ObjectId.isValid(id) ? await GroupGoal.findOne(scoped(tenantId, { _id: id })).lean<GroupGoalDoc>() : null;
  if (!group) throw new NotFound('That team goal');
  return group;
}

/** Team goals shared with this person (created by them or by colleagues). */
export function groupGoalsFor(tenantId: TenantId, userId: Id): Promise<GroupGoalDoc[]> {
  return GroupGoal.find(scoped(tenantId, { invitedIds: userId })).sort({ createdAt: -1 }).lean<GroupGoalDoc[]>();
}

/** A colleague joins a team goal: it is added to their own plan (same groupGoalId); joining twice changes nothing. */
export async function joinGroupGoal(tenantId: TenantId, groupId: Id, member: ChangedBy): Promise<void> {
  const group = await getGroupGoal(tenantId, groupId);
  const plan = await ensureDraftPlan(tenantId, member.userId, member);
  const { result: added } = await mutatePlan(tenantId, plan._id, (p) => {
    if (changes.proposedGoals(p).some((g) => g.groupGoalId?.equals(group._id))) return false;
    requireRoomForTeamGoal(p);
    const goal = newGoal({ statement: group.statement, competency: group.competency, targetLevel: group.targetLevel, measure: group.measure, targetDate: group.targetDate, groupGoalId: group._id });
    // An approved plan takes the team goal as a proposed change, like any other new goal.
    if (p.status === 'active') changes.proposeGoal(p, goal, MAX_GOALS, member);
    else p.goals.push(goal);
    return true;
  });
  await GroupGoal.updateOne(scoped(tenantId, { _id: group._id }), { $addToSet: { memberIds: member.userId } });
  if (added) await audit.record(tenantId, { actor: member, action: 'group-goal.joined', subject: { kind: 'group-goal', id: group._id }, after: { planId: String(plan._id) } });
}

export interface GroupProgress {
  members: { userId: Id; name: string; progress: number; completed: boolean }[];
  average: number;
  completedCount: number;
}

/** Each member's progress on the team goal in their own current plan (never their reflections). */
export async function groupProgress(tenantId: TenantId, group: GroupGoalDoc): Promise<GroupProgress> {
  const [plans, people] = await Promise.all([
    Plan.find(scoped(tenantId, { userId: { $in: group.memberIds }, 'goals.groupGoalId': group._id }), { userId: 1, current: 1, 'goals.groupGoalId': 1, 'goals.progress': 1, 'goals.status': 1 }).sort({ current: -1, periodStart: -1 }).lean<PlanDoc[]>(),
    users.listUsers(tenantId, { ids: group.memberIds }),
  ]);
  const names = new Map(people.map((u) => [String(u._id), u.name || 'Colleague']));
  const seen = new Set<string>();
  const members: GroupProgress['members'] = [];
  for (const plan of plans) {
    const goal = plan.goals.find((g) => g.groupGoalId?.equals(group._id));
    if (!goal || seen.has(String(plan.userId))) continue;
    seen.add(String(plan.userId));
    members.push({ userId: plan.userId, name: names.get(String(plan.userId)) ?? 'Colleague', progress: goal.status === 'completed' ? 1 : goal.progress, completed: goal.status === 'completed' });
  }
  members.sort((a, b) => a.name.localeCompare(b.name));
  const average = members.length ? members.reduce((s, m) => s + m.progress, 0) / members.length : 0;
  return { members, average, completedCount: members.filter((m) => m.completed).length };
}

// ---------------------------------------------------------------------------------------------
// Export and deletion of a teacher's data

/** Everything PD Pathways keeps about a teacher's plans, for their own export. */
export async function planRecord(tenantId: TenantId, userId: Id): Promise<{ plans: PlanDoc[]; groupGoals: GroupGoalDoc[] }> {
  const [plans, groupGoals] = await Promise.all([planHistory(tenantId, userId), groupGoalsFor(tenantId, userId)]);
  return { plans, groupGoals };
}

export interface DeletionSummary {
  plans: number;
  evidenceFiles: number;
  reflections: number;
  coachingMessages: number;
  notices: number;
  assessments: number;
  /** Completed activities kept as the district's record, or deleted, by its retention rule. */
  credit: credit.KeptSummary;
}

/** What deleting their data would do to a teacher's completed credit: how many activities and hours. */
export async function completedCreditOf(tenantId: TenantId, userId: Id): Promise<{ activities: number; hours: number }> {
  const done = completedCredit(await planHistory(tenantId, userId));
  return { activities: done.length, hours: done.reduce((s, d) => s + d.hours, 0) };
}

const countIn = (plans: PlanDoc[], list: (g: GoalDoc) => unknown[]) => plans.reduce((s, p) => s + p.goals.reduce((t, g) => t + list(g).length, 0), 0);

/**
 * Deletes a teacher's plans with everything private in them (reflections, evidence files, notes,
 * coaching messages), their notices and assessments (through the owning services), other people's
 * notices about those plans, removes them from team goals and anonymises their audit entries. Their
 * completed activities are first kept as the district's record if its retention rule says so.
 */
export async function deleteUserData(tenantId: TenantId, userId: Id): Promise<DeletionSummary> {
  const [plans, person, policy] = await Promise.all([planHistory(tenantId, userId), users.getUser(tenantId, userId), policyOf(tenantId)]);
  const kept = await credit.keepCredit(tenantId, { userId, name: person.name, email: person.aliases?.email ?? undefined }, completedCredit(plans), policy);
  const fileIds = plans.flatMap((p) => p.goals.flatMap((g) => g.activities.flatMap((a) => a.evidence.map((e) => e.fileId).filter((id): id is Id => !!id))));
  for (const id of fileIds) await bucket().delete(id).catch(() => undefined); // already gone: nothing to delete
  await Plan.deleteMany(scoped(tenantId, { userId }));
  await GroupGoal.updateMany(scoped(tenantId, { invitedIds: userId }), { $pull: { invitedIds: userId, memberIds: userId } });
  await GroupGoal.updateMany(scoped(tenantId, { ownerId: userId }), { $set: { ownerName: 'A former member' } });
  const planIds = plans.map((p) => String(p._id));
  const summary: DeletionSummary = {
    plans: plans.length,
    evidenceFiles: fileIds.length,
    reflections: countIn(plans, (g) => g.reflections),
    coachingMessages: countIn(plans, (g) => g.feedback),
    notices: await notices.deleteForUser(tenantId, userId),
    assessments: await assessments.deleteForUser(tenantId, userId),
    credit: kept,
  };
  await notices.deleteAboutPlans(tenantId, planIds);
  await emit('user.data-deleted', { tenantId, userId });
  await audit.anonymise(tenantId, { actorId: userId, subjectIds: planIds });
  const { credit: _credit, ...counts } = summary;
  await audit.record(tenantId, { action: 'privacy.data-deleted', subject: { kind: 'data-deletion', id: new Types.ObjectId() }, after: { ...counts, creditKept: kept.kept, creditDeleted: kept.deleted, creditRetention: policy.creditRetention } });
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Report queries (PD-staff reports and the district approval queue): counts and dates only, never
// reflection or feedback text.

export interface PlanReportFilter {
  userIds?: Id[];
  from?: Date;
  to?: Date;
}

const byUsers = (f: PlanReportFilter) => (f.userIds ? { userId: { $in: f.userIds } } : {});
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

/** Goals assigned through pathways (any plan, current or past): status, progress, completion date. */
export function reportAssignedGoals(tenantId: TenantId, f: PlanReportFilter): Promise<AssignedGoalRow[]> {
  return Plan.aggregate<AssignedGoalRow>(
    scopedPipeline(tenantId, { ...byUsers(f), 'goals.origin.kind': 'pathway' }, [
      { $unwind: '$goals' },
      { $match: { 'goals.origin.kind': 'pathway' } },
      { $project: { _id: 0, planId: '$_id', userId: 1, assignmentKey: '$goals.origin.assignmentKey', competency: '$goals.competency', status: '$goals.status', progress: '$goals.progress', completedAt: '$goals.completedAt' } },
    ]),
  );
}

/** Goals per competency in current plans: how many, how many completed, by how many teachers. */
export function reportGoalsByCompetency(tenantId: TenantId, f: PlanReportFilter): Promise<{ _id: string; goals: number; completed: number; teachers: number }[]> {
  return Plan.aggregate(
    scopedPipeline(tenantId, { ...byUsers(f), current: true }, [
      { $unwind: '$goals' },
      { $match: { 'goals.competency': { $nin: ['', null] } } },
      { $group: { _id: '$goals.competency', goals: { $sum: 1 }, completed: { $sum: { $cond: [{ $eq: ['$goals.status', 'completed'] }, 1, 0] } }, people: { $addToSet: '$userId' } } },
      { $project: { goals: 1, completed: 1, teachers: { $size: '$people' } } },
      { $sort: { _id: 1 } },
    ]),
  );
}

/** Activities done in the period, by where the completion came from (LMS sync, manual, evidence...). */
export function reportCompletionSources(tenantId: TenantId, f: PlanReportFilter): Promise<{ _id: string; completions: number; hours: number }[]> {
  return Plan.aggregate(
    scopedPipeline(tenantId, { ...byUsers(f), 'goals.activities.status': 'done' }, [
      { $unwind: '$goals' },
      { $unwind: '$goals.activities' },
      { $match: { 'goals.activities.status': 'done', ...inRange('goals.activities.completedAt', f) } },
      { $group: { _id: { $ifNull: ['$goals.activities.source', 'manual'] }, completions: { $sum: 1 }, hours: { $sum: { $ifNull: ['$goals.activities.completedHours', '$goals.activities.hours'] } } } },
      { $sort: { completions: -1, _id: 1 } },
    ]),
  );
}

/** Catalog activities in current plans: how many teachers planned each, how many finished it in the period. */
export function reportActivityUse(tenantId: TenantId, f: PlanReportFilter, limit = 10): Promise<{ _id: Id; title: string; planned: number; completed: number }[]> {
  const doneInRange: Record<string, unknown>[] = [{ $eq: ['$goals.activities.status', 'done'] }];
  if (f.from) doneInRange.push({ $gte: ['$goals.activities.completedAt', f.from] });
  if (f.to) doneInRange.push({ $lt: ['$goals.activities.completedAt', f.to] });
  return Plan.aggregate(
    scopedPipeline(tenantId, { ...byUsers(f), current: true }, [
      { $unwind: '$goals' },
      { $unwind: '$goals.activities' },
      { $match: { 'goals.activities.activityId': { $exists: true } } },
      { $group: { _id: '$goals.activities.activityId', title: { $first: '$goals.activities.title' }, people: { $addToSet: '$userId' }, completed: { $sum: { $cond: [{ $and: doneInRange }, 1, 0] } } } },
      { $project: { title: 1, completed: 1, planned: { $size: '$people' } } },
      { $sort: { completed: -1, planned: -1, title: 1 } },
      { $limit: limit },
    ]),
  );
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
export async function reportPlanLoad(tenantId: TenantId, f: PlanReportFilter): Promise<PlanLoadRow[]> {
  const rows = await Plan.aggregate<{ _id: Id; userId: Id; status: string; periodStart: Date; periodEnd: Date; hours: number; cost: number; doneHours: number }>(
    scopedPipeline(tenantId, { ...byUsers(f), current: true }, [
      { $unwind: { path: '$goals', preserveNullAndEmptyArrays: true } },
      { $unwind: { path: '$goals.activities', preserveNullAndEmptyArrays: true } },
      {
        $group: {
          _id: '$_id',
          userId: { $first: '$userId' },
          status: { $first: '$status' },
          periodStart: { $first: '$periodStart' },
          periodEnd: { $first: '$periodEnd' },
          hours: { $sum: '$goals.activities.hours' },
          cost: { $sum: '$goals.activities.cost' },
          doneHours: { $sum: { $cond: [{ $eq: ['$goals.activities.status', 'done'] }, { $ifNull: ['$goals.activities.completedHours', '$goals.activities.hours'] }, 0] } },
        },
      },
    ]),
  );
  return rows.map((r) => {
    const years = monthsBetween(r.periodStart, r.periodEnd) / 12;
    return { planId: r._id, userId: r.userId, status: r.status, hours: round(r.hours, 1), cost: round(r.cost), doneHours: round(r.doneHours, 1), hoursPerYear: round(r.hours / years, 1), costPerYear: round(r.cost / years) };
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

/** Current plans in these statuses, oldest submission first, without reflections or feedback: the district approval queue. */
export function districtPlans(tenantId: TenantId, f: PlanReportFilter & { statuses: string[] }): Promise<PlanDoc[]> {
  return Plan.find(scoped(tenantId, { ...byUsers(f), current: true, status: { $in: f.statuses } }), { 'goals.reflections': 0, 'goals.feedback': 0 })
    .sort({ submittedAt: 1, updatedAt: 1 })
    .lean<PlanDoc[]>();
}

/** Milestone: a badge earned (credentials emit credential.issued) is celebrated in-app. */
on('credential.issued', async (e) => {
  await notices.notify(e.tenantId, { userId: e.userId, kind: 'badge.earned', title: 'You earned a badge!', body: 'It is on your badge wall, ready to share or add to your backpack.', link: '/badges', celebrate: true, dedupeKey: `badge.earned:${e.credentialId}` });
});
