import { Router } from 'express';
import * as users from '../../users/service';
import { Actor } from '../../kernel/actor';
import { actorOf } from '../../web/request';
import { Forbidden } from '../../kernel/errors';
import { handle } from '../../web/route';
import { canDecideChange, canDecidePlan, canVerifyEvidence, canViewApprovalQueue } from '../policy';
import { evidenceQueueRows, queueRow } from '../presenter';
import * as plans from '../service';
import { proposedGoals } from '../changes';

/**
 * What the approver can decide now: submitted plans and proposed changes, and evidence to verify (never their
 * own). All are counted; the first `shown` of each are listed, and only their teachers' names are read.
 */
export async function approvalQueue(actor: Actor, shown = Infinity) {
  const [submitted, changed, withEvidence] = await Promise.all([plans.submittedPlans(actor.tenantId), plans.plansWithChangesToApprove(actor.tenantId), plans.plansWithEvidenceToVerify(actor.tenantId)]);
  const mine = <P extends { userId: plans.PlanDoc['userId'] }>(list: P[]) => list.filter((p) => !p.userId.equals(actor.userId));
  const toDecide = [
    ...mine(submitted).filter((p) => canDecidePlan(actor, p)).map((p) => ({ plan: p, totals: () => plans.planTotals(p, actor.policy) })),
    ...mine(changed).filter((p) => canDecideChange(actor, p)).map((p) => ({ plan: p, totals: () => plans.planTotals({ ...p, goals: proposedGoals(p) }, actor.policy) })),
  ];
  const evidence = mine(withEvidence).filter((p) => canVerifyEvidence(actor, p)).flatMap((p) => evidenceQueueRows(p).map((row) => ({ row, userId: p.userId })));
  const listed = { plans: toDecide.slice(0, shown), evidence: evidence.slice(0, shown) };
  const people = await users.namesOf(actor.tenantId, [...listed.plans.map((d) => d.plan.userId), ...listed.evidence.map((e) => e.userId)]);
  const names = new Map(people.map((u) => [String(u._id), u.name || 'A teacher']));
  return {
    submitted: listed.plans.map((d) => queueRow(d.plan, names, d.totals())),
    evidence: listed.evidence.map((e) => ({ ...e.row, teacher: names.get(String(e.userId)) ?? 'A teacher' })),
    counts: { plans: toDecide.length, evidence: evidence.length },
  };
}

export function approvalRoutes(router: Router): void {
  router.get('/approvals', handle(async (_req, res) => {
    const actor = actorOf(res);
    if (!canViewApprovalQueue(actor)) throw new Forbidden('The approval queue is for approvers.');
    const { submitted, evidence } = await approvalQueue(actor);
    res.render('plans/approvals', { title: 'Approvals', submitted, evidence });
  }));
}
