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

/** What the approver can decide now: submitted plans and proposed changes, and evidence to verify (never their own). */
export async function approvalQueue(actor: Actor) {
  const [submitted, changed, withEvidence] = await Promise.all([plans.submittedPlans(actor.tenantId), plans.plansWithChangesToApprove(actor.tenantId), plans.plansWithEvidenceToVerify(actor.tenantId)]);
  const mine = <P extends { userId: plans.PlanDoc['userId'] }>(list: P[]) => list.filter((p) => !p.userId.equals(actor.userId));
  const people = await users.namesOf(actor.tenantId, [...submitted, ...changed, ...withEvidence].map((p) => p.userId));
  const names = new Map(people.map((u) => [String(u._id), u.name || 'A teacher']));
  const newPlans = mine(submitted).filter((p) => canDecidePlan(actor, p)).map((p) => queueRow(p, names, plans.planTotals(p, actor.policy)));
  const changes = mine(changed).filter((p) => canDecideChange(actor, p)).map((p) => queueRow(p, names, plans.planTotals({ ...p, goals: proposedGoals(p) }, actor.policy)));
  return {
    submitted: [...newPlans, ...changes],
    evidence: mine(withEvidence).filter((p) => canVerifyEvidence(actor, p)).flatMap((p) => evidenceQueueRows(p, names.get(String(p.userId)) ?? 'A teacher')),
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
