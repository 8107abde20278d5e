import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../../catalog/service';
import { TenantId } from '../../db/tenancy';
import { Invalid } from '../../kernel/errors';
import * as changes from '../changes';
import type { PlanActivityDoc, PlanDoc } from '../model';
import { capsOf, fromCatalog, goalProgress, planProgress, planTotals, requireOwnGoal, requireStatus, STRUCTURE_EDITABLE } from '../rules';
import { ChangedBy, checkbox, goalChanged, Id, mutatePlan, numberField, optionalDate, parse, policyOf, text } from './common';
import { proposeChange } from './proposals';
import { findGoal, findPlanActivity, getPlan } from './reading';

// ---------------------------------------------------------------------------------------------
// Activities in a goal

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

const GOAL_COMPLETED = 'This goal is already completed, so nothing was added: its badge and grade stand for the work it had. Add a new goal for further work.';

/** A completed goal takes no more activities: it would show Completed at 100 % with work not done. */
function requireOpenGoal(goal: { status: string }): void {
  if (goal.status === 'completed') throw new Invalid(GOAL_COMPLETED);
}

async function addPlanActivity(tenantId: TenantId, planId: Id, goalId: Id, activity: PlanActivityDoc, by: ChangedBy): Promise<PlanActivityDoc> {
  const current = await getPlan(tenantId, planId);
  if (current.status === 'active') {
    // a goal proposed in the pending change is not in the approved plan yet, and is never completed
    const approved = current.goals.find((g) => g._id.equals(goalId));
    if (approved) requireOpenGoal(approved);
    await proposeChange(tenantId, planId, (p) => changes.proposeActivity(p, goalId, activity, by), by);
    return activity;
  }
  const { plan } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'add activities');
    const goal = findGoal(p, goalId);
    requireOwnGoal(goal, 'change its activities');
    requireOpenGoal(goal);
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

/** Outside PD approved through a request: a certificate-required activity of the teacher's own goal. */
export interface ApprovedOutsideActivity {
  title: string;
  hours: number;
  cost: number;
  plannedStart: Date;
  plannedEnd: Date;
}

const ADDABLE = ['draft', 'returned', 'submitted', 'active', 'in-review'];

function withActivity(plan: PlanDoc, goalId: Id, activity: PlanActivityDoc): PlanDoc {
  return { ...plan, goals: plan.goals.map((g) => (g._id.equals(goalId) ? { ...g, activities: [...g.activities, activity] } : g)) } as PlanDoc;
}

function outsideActivity(input: ApprovedOutsideActivity): PlanActivityDoc {
  return { _id: new Types.ObjectId(), title: input.title, kind: 'custom', hours: input.hours, cost: input.cost, certificateRequired: true, plannedStart: input.plannedStart, plannedEnd: input.plannedEnd, required: true, status: 'not-started', evidence: [] } as unknown as PlanActivityDoc;
}

/** The caps an approved outside activity would newly break in the plan (the district's yearly cost and hours caps). */
export async function capsBrokenBy(tenantId: TenantId, planId: Id, goalId: Id, input: ApprovedOutsideActivity): Promise<string[]> {
  const plan = await getPlan(tenantId, planId);
  requireOwnGoal(findGoal(plan, goalId), 'change its activities');
  const caps = capsOf(await policyOf(tenantId));
  const before = new Set(planTotals(plan, caps).problems.map((p) => p.cap));
  return planTotals(withActivity(plan, goalId, outsideActivity(input)), caps).problems.filter((p) => p.cap !== 'minHoursPerYear' && !before.has(p.cap)).map((p) => p.message);
}

/** Adds it straight into the goal whatever the plan's stage (the request was the approval); returns the plan activity id. */
export async function addApprovedActivity(tenantId: TenantId, planId: Id, goalId: Id, input: ApprovedOutsideActivity, by: ChangedBy): Promise<Id> {
  const activity = outsideActivity(input);
  const { plan } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ADDABLE, 'add approved outside PD');
    const goal = findGoal(p, goalId);
    requireOwnGoal(goal, 'change its activities');
    goal.activities.push(activity);
    goal.progress = goalProgress(goal);
    p.progress = planProgress(p);
  });
  await goalChanged(plan, 'activity-added', findGoal(plan, goalId), by, { activity: activity.title, hours: activity.hours, cost: activity.cost, outsidePd: true });
  return activity._id;
}
