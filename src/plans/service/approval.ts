import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import { TenantId } from '../../db/tenancy';
import { Invalid } from '../../kernel/errors';
import type { TenantPolicy } from '../../kernel/tenantPolicy';
import * as notices from '../../notifications/service';
import type { PlanDoc } from '../model';
import { CapProblem, capsOf, planTotals, requireStatus, STRUCTURE_EDITABLE, submitProblems } from '../rules';
import { announceApproval, notifyApprovers } from './announcements';
import { ChangedBy, Id, mutatePlan, parse, policyOf, statusChanged } from './common';

// ---------------------------------------------------------------------------------------------
// Submitting a plan and the approver's decision

const ExceptionRequest = z.object({ exceptionRequest: z.string().trim().max(2000, 'Keep it under 2000 characters').default('') });

/**
 * What a submission (of a plan or of changes) may not go with: structural problems always stop it;
 * being over the caps stops it unless the teacher asks the approver for an exception, saying why.
 */
export function requireSubmittable(plan: Pick<PlanDoc, 'goals' | 'commitment' | 'periodStart' | 'periodEnd'>, policy: TenantPolicy, raw: unknown, what: string): string {
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

export function activate(plan: PlanDoc, at: Date): void {
  plan.status = 'active';
  plan.approvedAt = at;
}

export const Decision = z
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
export function capException(input: DecisionInput, over: CapProblem[], what: string): CapException | undefined {
  if (input.decision !== 'approve' || !over.length) return undefined;
  if (!input.exception) throw new Invalid(`${what} is over the district's caps: ${over.map((o) => o.message).join(' ')} To approve it anyway, write the reason for the exception; otherwise return it with a comment.`, { exception: 'Write why this plan may go over the caps' });
  return { reason: input.exception, over: over.map((o) => o.message) };
}

export function decision(by: ChangedBy, kind: PlanDoc['approvals'][number]['decision'], input: Pick<DecisionInput, 'comment'>, exception?: CapException): PlanDoc['approvals'][number] {
  return { _id: new Types.ObjectId(), by: by.userId, byName: by.name, decision: kind, comment: input.comment, at: new Date(), ...(exception ? { exception } : {}) } as PlanDoc['approvals'][number];
}

export async function auditException(plan: PlanDoc, by: ChangedBy, exception: CapException | undefined): Promise<void> {
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
