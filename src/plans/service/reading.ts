import { Types } from 'mongoose';
import { scoped, TenantId } from '../../db/tenancy';
import { NotFound } from '../../kernel/errors';
import { EVIDENCE_QUEUE_FIELDS, GoalDoc, Plan, PlanActivityDoc, PlanDoc, PlanWithEvidence, SUBMITTED_PLAN_FIELDS, SubmittedPlan, WITHOUT_REFLECTIONS_OR_FEEDBACK } from '../model';

type Id = Types.ObjectId;

// ---------------------------------------------------------------------------------------------
// Reading plans

export function currentPlan(tenantId: TenantId, userId: Id): Promise<PlanDoc | null> {
  return Plan.findOne(scoped(tenantId, { userId, current: true })).lean<PlanDoc>();
}

/** The current plans of these people (at most one each), for work done for many people at once. */
export function currentPlans(tenantId: TenantId, userIds: Id[]): Promise<PlanDoc[]> {
  return Plan.find(scoped(tenantId, { userId: { $in: userIds }, current: true })).lean<PlanDoc[]>();
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

/** Plans waiting for an approver, oldest first, as the queue shows them (nothing the teacher wrote). */
export function submittedPlans(tenantId: TenantId): Promise<SubmittedPlan[]> {
  return Plan.find(scoped(tenantId, { status: 'submitted', current: true }), SUBMITTED_PLAN_FIELDS).sort({ submittedAt: 1 }).lean<SubmittedPlan[]>();
}

/** Current plans with evidence an approver has not verified or rejected yet. */
export function plansWithEvidenceToVerify(tenantId: TenantId): Promise<PlanWithEvidence[]> {
  return Plan.find(scoped(tenantId, { current: true, 'goals.activities.evidence.status': 'submitted' }), EVIDENCE_QUEUE_FIELDS).sort({ updatedAt: 1 }).lean<PlanWithEvidence[]>();
}

/** Plans with changes waiting for an approver, oldest first. */
export function plansWithChangesToApprove(tenantId: TenantId): Promise<PlanDoc[]> {
  return Plan.find(scoped(tenantId, { current: true, status: 'active', 'change.status': 'submitted' }), WITHOUT_REFLECTIONS_OR_FEEDBACK).sort({ 'change.submittedAt': 1 }).lean<PlanDoc[]>();
}
