import { z } from 'zod';
import * as catalog from '../../catalog/service';
import { TenantId } from '../../db/tenancy';
import * as frameworks from '../../frameworks/service';
import { Conflict, FieldErrors, Invalid } from '../../kernel/errors';
import * as changes from '../changes';
import type { GoalDoc, PlanDoc } from '../model';
import { fromCatalog, goalOpening, GoalRule, goalProgress, MAX_GOALS, newGoal, planProgress, requireOwnGoal, requireRoomForGoal, requireStatus, STRUCTURE_EDITABLE, today } from '../rules';
import { ChangedBy, dateField, ensureDraftPlan, goalChanged, Id, mutatePlan, numberField, parse, text, trimmed, blank } from './common';
import { proposeChange } from './proposals';
import { currentPlan, findGoal, getPlan } from './reading';

// ---------------------------------------------------------------------------------------------
// Goals

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

export function goalFieldsOf(input: GoalInput) {
  return { statement: input.statement, competency: input.competency ?? '', targetLevel: input.targetLevel, measure: input.measure, targetDate: input.targetDate, rule: ruleOf(input) };
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
