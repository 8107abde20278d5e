import * as audit from '../../audit/service';
import { TenantId } from '../../db/tenancy';
import { Conflict, Invalid } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import * as changes from '../changes';
import type { ChangeDoc, PlanDoc } from '../model';
import { planTotals, recompute, Recomputed, requireStatus } from '../rules';
import { announceProgress, notifyApprovers } from './announcements';
import { auditException, capException, decision, Decision, requireSubmittable } from './approval';
import { ChangedBy, Id, mutatePlan, parse, policyOf } from './common';

// ---------------------------------------------------------------------------------------------
// Changes to an approved plan (rules in changes.ts): proposed, sent, approved or returned; each step
// is one conditional update of the plan, and the approved goals stay in force until approval.

export async function proposeChange(tenantId: TenantId, planId: Id, change: (p: PlanDoc) => ChangeDoc | undefined, by: ChangedBy): Promise<void> {
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
