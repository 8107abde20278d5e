/** What the people concerned are told after a write: domain events for other features, notices for people. */
import * as audit from '../../audit/service';
import { emit } from '../../events';
import * as notices from '../../notifications/service';
import * as tenants from '../../tenants/service';
import { scoped, TenantId } from '../../db/tenancy';
import * as users from '../../users/service';
import { creditKey } from '../credit';
import { GoalDoc, Plan, PlanDoc } from '../model';
import { catalogOrPlanId, Recomputed, uniqueIds } from '../rules';
import { ChangedBy, Id, statusChanged } from './common';
import { findGoal } from './reading';

/**
 * Emits what listeners (grade-back, credentials) need after a write. goal.progress may repeat;
 * goal.completed goes out until every listener took it, then the goal is marked announced.
 */
export async function announceProgress(plan: PlanDoc, r: Recomputed, source?: string): Promise<void> {
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

export async function notifyCoaches(plan: PlanDoc, notice: { kind: string; title: string; link: string }): Promise<void> {
  const teacher = await users.getUser(plan.tenantId, plan.userId);
  for (const coachId of teacher.coachIds) await notices.notify(plan.tenantId, { userId: coachId, ...notice });
}

/** Whoever the district's rule makes an approver of this teacher's plan: PD staff, and people granted Approver unless PD staff alone approve. */
export async function approversOf(tenantId: TenantId, teacherId: Id): Promise<users.UserDoc[]> {
  const rule = (await tenants.getTenant(tenantId)).policy.approvers;
  const granted = rule === 'approver-grant' ? await users.listUsers(tenantId, { grant: 'approver' }) : [];
  const all = [...granted, ...(await users.listPdStaff(tenantId))];
  return all.filter((u, i) => all.findIndex((v) => v._id.equals(u._id)) === i && !u._id.equals(teacherId));
}

export async function notifyApprovers(plan: PlanDoc, by: ChangedBy, what: 'plan' | 'change' = 'plan'): Promise<void> {
  const at = what === 'plan' ? plan.submittedAt : plan.change?.submittedAt;
  const title = what === 'plan' ? `${by.name} submitted a PD plan for approval` : `${by.name} proposed changes to an approved PD plan`;
  for (const approver of await approversOf(plan.tenantId, plan.userId)) {
    await notices.notify(plan.tenantId, { userId: approver._id, kind: `${what}.submitted`, title, link: `/plans/${plan._id}`, dedupeKey: `${what}.submitted:${plan._id}:${at?.getTime()}:${approver._id}` });
  }
}

export async function announceApproval(plan: PlanDoc, by: ChangedBy, body: string): Promise<void> {
  await statusChanged(plan, 'approved', by, body);
  await notices.notify(plan.tenantId, { userId: plan.userId, kind: 'plan.approved', title: 'Your PD plan is approved!', body, link: `/plans/${plan._id}`, celebrate: true, dedupeKey: `plan.approved:${plan._id}` });
}
