import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import * as credit from '../../credit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { emit } from '../../events';
import * as notices from '../../notifications/service';
import * as users from '../../users/service';
import { completedCredit } from '../credit';
import { GoalDoc, GroupGoal, GroupGoalDoc, Plan, PlanDoc } from '../model';
import { Id, policyOf } from './common';
import { bucket } from './evidence';
import { planHistory } from './reading';
import { groupGoalsFor } from './teamGoals';

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

/** Deletes a person's needs assessments and observations, returning how many (the assessments feature's; app.ts wires it). */
export type ForgetAssessments = (tenantId: TenantId, userId: Id) => Promise<number>;

/**
 * Deletes a teacher's plans with everything private in them (reflections, evidence files, notes,
 * coaching messages), their notices and assessments (through the owning services), other people's
 * notices about those plans, removes them from team goals and anonymises their audit entries. Their
 * completed activities are first kept as the district's record if its retention rule says so.
 */
export async function deleteUserData(tenantId: TenantId, userId: Id, forgetAssessments: ForgetAssessments): Promise<DeletionSummary> {
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
    assessments: await forgetAssessments(tenantId, userId),
    credit: kept,
  };
  await notices.deleteAboutPlans(tenantId, planIds);
  await emit('user.data-deleted', { tenantId, userId });
  await audit.anonymise(tenantId, { actorId: userId, subjectIds: planIds });
  const { credit: _credit, ...counts } = summary;
  await audit.record(tenantId, { action: 'privacy.data-deleted', subject: { kind: 'data-deletion', id: new Types.ObjectId() }, after: { ...counts, creditKept: kept.kept, creditDeleted: kept.deleted, creditRetention: policy.creditRetention } });
  return summary;
}
