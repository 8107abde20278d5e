/** What the people concerned are told after a write: domain events for other features, notices for people. */
import * as audit from '../../audit/service';
import { DomainEvents, emitAll } from '../../events';
import * as notices from '../../notifications/service';
import * as tenants from '../../tenants/service';
import { byTenant, scoped, TenantId } from '../../db/tenancy';
import * as users from '../../users/service';
import { creditKey } from '../credit';
import { Plan, PlanDoc } from '../model';
import { catalogOrPlanId, Recomputed, uniqueIds } from '../rules';
import { ChangedBy, Id, statusChanged } from './common';
import { findGoal } from './reading';

/** A plan as written, what the write changed, and where the change came from. */
export interface PlanChange {
  plan: PlanDoc;
  r: Recomputed;
  source?: string;
}

/**
 * Emits what listeners (grade-back, credentials) need after a write. goal.progress may repeat;
 * goal.completed goes out until every listener took it, then the goal is marked announced.
 */
export async function announceProgress(plan: PlanDoc, r: Recomputed, source?: string): Promise<void> {
  await announceChanges([{ plan, r, source }]);
  await announceCompletedGoals([plan]);
}

function activityPayloads({ plan, r, source }: PlanChange): DomainEvents['activity.completed'][] {
  return r.completedActivities.flatMap(({ goalId, activity }) => {
    if (activity.status !== 'done' || !activity.completedAt) return [];
    const done = { key: creditKey(plan._id, activity), title: activity.title, hours: activity.completedHours ?? activity.hours, completedAt: activity.completedAt };
    return [{ tenantId: plan.tenantId, userId: plan.userId, planId: plan._id, goalId, activityId: catalogOrPlanId(activity), source: activity.source ?? source ?? 'manual', done }];
  });
}

function goalPayloads({ plan, r }: PlanChange): DomainEvents['goal.progress'][] {
  return uniqueIds([...r.progressed, ...r.completed]).map((goalId) => {
    const goal = findGoal(plan, goalId);
    return { tenantId: plan.tenantId, userId: plan.userId, planId: plan._id, goalId, progress: goal.progress, completed: goal.status === 'completed' };
  });
}

/**
 * The progress events of writes to one plan or many (a batch of LMS completions): each event's payloads of
 * every plan go out in one emit, so listeners that take many read once for the batch. For one plan the
 * order is that of the write: activities done, goals progressed, the plan progressed.
 */
export async function announceChanges(changes: PlanChange[]): Promise<void> {
  await emitAll('activity.completed', changes.flatMap(activityPayloads));
  await emitAll('goal.progress', changes.flatMap(goalPayloads));
  const plans = changes.filter((c) => c.r.planProgressed).map(({ plan }) => plan);
  await emitAll('plan.progress', plans.map((plan) => ({ tenantId: plan.tenantId, userId: plan.userId, planId: plan._id, progress: plan.progress })));
}

/**
 * Each completed goal of these plans not yet announced: the teachers' notices, then goal.completed for all of
 * them; once every listener took it, the goals are marked announced (with an audit entry each). Otherwise
 * they go out again with the plan's next change, and the listeners take them once.
 */
export async function announceCompletedGoals(plans: PlanDoc[]): Promise<void> {
  for (const [tenantId, mine] of byTenant(plans)) {
    const goals = mine.flatMap((plan) => plan.goals.filter((g) => g.status === 'completed' && !g.announcedAt).map((goal) => ({ plan, goal })));
    if (!goals.length) continue;
    await notices.notifyEach(
      tenantId,
      goals.map(({ plan, goal }) => ({ userId: plan.userId, kind: 'goal.completed', title: `Goal completed: ${goal.statement.slice(0, 120)}`, body: 'Well done — take a moment to celebrate and reflect.', link: `/plans/${plan._id}/goals/${goal._id}`, celebrate: true, dedupeKey: `goal.completed:${goal._id}` })),
    );
    const payloads = goals.map(({ plan, goal }) => ({
      tenantId,
      userId: plan.userId,
      planId: plan._id,
      goalId: goal._id,
      ...(goal.achievementId ? { achievementId: goal.achievementId } : {}),
      ...(goal.origin?.pathway?.id ? { pathwayId: goal.origin.pathway.id } : {}),
    }));
    if (!(await emitAll('goal.completed', payloads))) continue;
    const at = new Date();
    await Plan.bulkWrite(goals.map(({ plan, goal }) => ({ updateOne: { filter: scoped(tenantId, { _id: plan._id, 'goals._id': goal._id }), update: { $set: { 'goals.$.announcedAt': at }, $inc: { rev: 1 } } } })), { ordered: false });
    await audit.recordAll(tenantId, goals.map(({ plan, goal }) => ({ action: 'goal.completed', subject: { kind: 'plan', id: plan._id }, after: { goalId: String(goal._id), statement: goal.statement } })));
  }
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
