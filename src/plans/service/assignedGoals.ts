import * as audit from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { NotFound } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import { date as formatDate } from '../../web/format';
import * as changes from '../changes';
import { GoalDoc, Plan, PlanActivityDoc, PlanDoc } from '../model';
import { fromCatalog, GoalRule, newGoal, planProgress, recompute } from '../rules';
import { announceProgress, notifyApprovers } from './announcements';
import { ensureDraftPlan, goalChanged, Id, mutatePlan, policyOf } from './common';

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
