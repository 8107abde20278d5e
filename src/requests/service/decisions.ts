import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, fieldErrors, Invalid } from '../../kernel/errors';
import * as plans from '../../plans/service';
import { money } from '../../web/format';
import { OutsideRequest, OutsideRequestDoc } from '../model';
import { afterDecision, budgetBalance, Decision } from '../rules';
import { commitMoney, getBudget, settleMoney } from './budgets';
import { getRequest, notifyStep, notifyTeacher } from './requests';

type Id = Types.ObjectId;

const DecisionForm = z
  .object({ decision: z.enum(['approve', 'return', 'decline'], 'Choose approve, return or decline'), comment: z.string().trim().max(2000, 'Keep the comment under 2000 characters').default('') })
  .superRefine((d, ctx) => {
    if (d.decision !== 'approve' && !d.comment) ctx.addIssue({ code: 'custom', path: ['comment'], message: 'Say why, so the teacher knows what to do' });
  });

/** Moves the request on from the step it waited at, only if nobody decided it meanwhile. */
async function transition(r: OutsideRequestDoc, set: Record<string, unknown>, by: ChangedBy, action: string, comment: string): Promise<OutsideRequestDoc | null> {
  const step = r.steps[r.stepIndex]?.label ?? '';
  return OutsideRequest.findOneAndUpdate(
    scoped(r.tenantId, { _id: r._id, status: 'in-approval', stepIndex: r.stepIndex, rev: r.rev }),
    { $set: set, $push: { history: { by: by.userId, byName: by.name, action, step, comment, at: new Date() } }, $inc: { rev: 1 } },
    { new: true },
  ).lean<OutsideRequestDoc>();
}

const decidedMeanwhile = () => new Conflict('Someone decided this request at the same moment; nothing was changed. Reload to see where it is.');

function outsideActivity(r: OutsideRequestDoc): plans.ApprovedOutsideActivity {
  return { title: r.title, hours: r.hours, cost: r.total, plannedStart: r.startsOn, plannedEnd: r.endsOn };
}

/** Takes the request's cost from its budget, or refuses naming what is left. */
async function takeMoney(r: OutsideRequestDoc): Promise<void> {
  if (!r.budgetId || r.total <= 0) return;
  if (await commitMoney(r.tenantId, r.budgetId, r.total)) return;
  const budget = await getBudget(r.tenantId, r.budgetId);
  throw new Conflict(`${budget.name} (${budget.schoolYear}) has ${money(budgetBalance(budget))} left, less than the ${money(r.total)} this request costs; nothing was approved.`);
}

const giveBack = (r: OutsideRequestDoc) => (r.budgetId && r.total > 0 ? settleMoney(r.tenantId, r.budgetId, r.total, 0) : Promise.resolve());

/** The last step: within the plan's caps, money taken atomically, then the activity joins the teacher's goal. */
async function approveFinally(r: OutsideRequestDoc, comment: string, by: ChangedBy): Promise<OutsideRequestDoc> {
  const broken = await plans.capsBrokenBy(r.tenantId, r.planId, r.goalId, outsideActivity(r));
  if (broken.length) throw new Conflict(`${broken.join(' ')} Nothing was approved.`);
  await takeMoney(r);
  const approved = await transition(r, { status: 'approved', committed: r.budgetId ? r.total : 0 }, by, 'approved', comment);
  if (!approved) {
    await giveBack(r);
    throw decidedMeanwhile();
  }
  try {
    const planActivityId = await plans.addApprovedActivity(r.tenantId, r.planId, r.goalId, outsideActivity(r), by);
    await OutsideRequest.updateOne(scoped(r.tenantId, { _id: r._id }), { $set: { planActivityId } });
    return { ...approved, planActivityId };
  } catch (err) {
    await OutsideRequest.updateOne(scoped(r.tenantId, { _id: r._id }), { $set: { status: 'in-approval', committed: 0 }, $push: { history: { by: by.userId, byName: by.name, action: 'approval-undone', comment: (err as Error).message, at: new Date() } }, $inc: { rev: 1 } });
    await giveBack(r);
    throw err;
  }
}

const HISTORY_ACTIONS: Record<Decision, string> = { approve: 'approved-step', return: 'returned', decline: 'declined' };

const TEACHER_NOTICES: Record<Exclude<Decision, 'approve'>, { kind: string; title: (t: string) => string }> = {
  return: { kind: 'request.returned', title: (t) => `Your outside PD request was returned for changes: ${t}` },
  decline: { kind: 'request.declined', title: (t) => `Your outside PD request was declined: ${t}` },
};

/** An approver or PD staff decides the waiting step: approve (on to the next, or approved at the last), return with comments, or decline. */
export async function decideStep(tenantId: TenantId, id: Id, raw: unknown, by: ChangedBy): Promise<OutsideRequestDoc> {
  const parsed = DecisionForm.safeParse(raw);
  if (!parsed.success) throw new Invalid('The decision needs attention; nothing was changed.', fieldErrors(parsed.error));
  const { decision, comment } = parsed.data;
  const r = await getRequest(tenantId, id);
  if (r.status !== 'in-approval') throw new Conflict(`This request is no longer waiting for approval; nothing was changed.`);
  const next = afterDecision(r.steps, r.stepIndex, decision);
  const done = next.status === 'approved' ? await approveFinally(r, comment, by) : await transition(r, next, by, HISTORY_ACTIONS[decision], comment);
  if (!done) throw decidedMeanwhile();
  await audit.record(tenantId, { actor: by, action: `request.${decision}`, subject: { kind: 'outside-request', id: r._id }, after: { step: r.steps[r.stepIndex]?.label, status: done.status, ...(comment ? { comment } : {}) } });
  if (done.status === 'in-approval') await notifyStep(done);
  else if (done.status === 'approved') await notifyTeacher(done, 'request.approved', `Your outside PD request is approved: ${done.title.slice(0, 100)}`, 'It is now an activity in your plan. After you attend, upload your certificate to get the credit.');
  else await notifyTeacher(done, TEACHER_NOTICES[decision as 'return' | 'decline'].kind, TEACHER_NOTICES[decision as 'return' | 'decline'].title(done.title.slice(0, 100)), comment);
  return done;
}
