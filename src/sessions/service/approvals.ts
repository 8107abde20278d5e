import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, fieldErrors, Invalid, NotFound } from '../../kernel/errors';
import type { TenantPolicy } from '../../kernel/tenantPolicy';
import * as notices from '../../notifications/service';
import * as plans from '../../plans/service';
import * as users from '../../users/service';
import { PdSession, PdSessionDoc, Registration, RegistrationDoc } from '../model';
import { getSession } from './common';
import { addToGoal, giveBack, promoteWaitlist } from './registrations';

// The plan approver's answer to a registration whose seat is held for it.

type Id = Types.ObjectId;

export const DecisionInput = z.object({
  decision: z.enum(['approve', 'decline'], 'Choose approve or decline'),
  comment: z.string().trim().max(2000, 'Keep the comment under 2000 characters').default(''),
});

export interface PendingRegistration {
  registration: RegistrationDoc;
  session: PdSessionDoc;
}

/** Seats held for approval in sessions still scheduled, oldest request first; `userIds` narrows to the teachers an approver answers for. */
export async function awaitingApproval(tenantId: TenantId, userIds?: Id[]): Promise<PendingRegistration[]> {
  const regs = await Registration.find(scoped(tenantId, { status: 'awaiting-approval', ...(userIds ? { userId: { $in: userIds } } : {}) })).sort({ registeredAt: 1, _id: 1 }).limit(500).lean<RegistrationDoc[]>();
  const sessions = new Map((await PdSession.find(scoped(tenantId, { _id: { $in: regs.map((r) => r.sessionId) }, status: 'scheduled' })).lean<PdSessionDoc[]>()).map((s) => [String(s._id), s]));
  return regs.flatMap((r) => {
    const session = sessions.get(String(r.sessionId));
    return session ? [{ registration: r, session }] : [];
  });
}

export async function getRegistration(tenantId: TenantId, id: Id | string): Promise<RegistrationDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Registration.findOne(scoped(tenantId, { _id: id })).lean<RegistrationDoc>() : null;
  if (!doc) throw new NotFound('That registration');
  return doc;
}

const NOT_WAITING = 'This registration is no longer waiting for approval (the teacher cancelled it or it was decided); nothing was changed.';

/** Approves or declines a held seat; the caller checked canDecideRegistration. */
export async function decideRegistration(tenantId: TenantId, registrationId: Id, raw: unknown, policy: TenantPolicy, by: ChangedBy): Promise<'approved' | 'declined'> {
  const input = DecisionInput.safeParse(raw ?? {});
  if (!input.success) throw new Invalid('The decision needs attention; nothing was changed.', fieldErrors(input.error));
  const r = await getRegistration(tenantId, registrationId);
  if (r.status !== 'awaiting-approval') throw new Conflict(NOT_WAITING);
  const session = await getSession(tenantId, r.sessionId);
  if (session.status === 'cancelled') throw new Conflict('This session was cancelled; there is nothing to approve.');
  if (input.data.decision === 'approve') await approve(tenantId, r, session, input.data.comment, policy, by);
  else await decline(tenantId, r, session, input.data.comment, by);
  return input.data.decision === 'approve' ? 'approved' : 'declined';
}

const decisionOf = (decision: 'approved' | 'declined', comment: string, by: ChangedBy) => ({ decision, comment, by: by.userId, byName: by.name, at: new Date() });

/**
 * The held seat becomes a registration and the activity goes into the teacher's goal as register() puts
 * it there (caps re-checked against the plan as it is now; refused with nothing changed). The status
 * moves first, conditionally, so a cancellation at the same moment wins cleanly.
 */
async function approve(tenantId: TenantId, r: RegistrationDoc, session: PdSessionDoc, comment: string, policy: TenantPolicy, by: ChangedBy): Promise<void> {
  const [activity, teacher, plan] = await Promise.all([catalog.getActivity(tenantId, session.activityId), users.getUser(tenantId, r.userId), plans.currentPlan(tenantId, r.userId)]);
  if (!plan?.goals.some((g) => r.goalId && g._id.equals(r.goalId))) throw new Conflict('The goal the teacher chose is no longer in their plan, so nothing was approved. Decline with a comment, so they can register again for another goal.');
  const asTeacher = { userId: r.userId, name: teacher.name };
  const refusal = 'Nothing was approved: decline with a comment, or ask the teacher to make room in their plan.';
  const completed = () => new Conflict('The goal the teacher chose was completed meanwhile, so the activity cannot go into it and nothing was approved. Decline with a comment, so they can register again for an open goal.');
  await addToGoal(tenantId, activity, policy, asTeacher, String(r.goalId), { onHold: true, refusal, completed });
  const moved = await Registration.findOneAndUpdate(scoped(tenantId, { _id: r._id, status: 'awaiting-approval' }), { $set: { status: 'registered', decision: decisionOf('approved', comment, by) }, $unset: { needsApproval: 1 }, $inc: { revision: 1 } }, { new: true }).lean<RegistrationDoc>();
  if (!moved) throw new Conflict(NOT_WAITING);
  let goal;
  try {
    goal = await addToGoal(tenantId, activity, policy, asTeacher, String(r.goalId), { refusal, completed });
  } catch (err) {
    // The plan changed between the check and the write: the seat goes back to waiting for a decision.
    await Registration.updateOne(scoped(tenantId, { _id: r._id, status: 'registered' }), { $set: { status: 'awaiting-approval', needsApproval: true }, $unset: { decision: 1 }, $inc: { revision: 1 } });
    throw err;
  }
  await audit.record(tenantId, { actor: by, action: 'session.registration-approved', subject: { kind: 'session', id: session._id }, after: { userId: String(r.userId), comment, addedToGoal: goal.addedToGoal, proposed: goal.proposed } });
  const inPlan = goal.proposed ? 'The activity was proposed as a change to your approved plan; your approver decides it there.' : `The activity is in your goal “${goal.goalStatement.slice(0, 80)}”.`;
  await notices.notify(tenantId, {
    userId: r.userId,
    kind: 'session.approved',
    title: `Approved: you are registered for ${activity.title}`,
    body: [`${by.name} approved your registration. ${inPlan} Add the invite to your calendar from the session page.`, comment].filter(Boolean).join(' '),
    link: `/sessions/${session._id}`,
    dedupeKey: `session.approved:${r._id}:${moved.revision}`,
  });
}

/** The held seat is released to the next person waiting; the teacher is told, with the comment. */
async function decline(tenantId: TenantId, r: RegistrationDoc, session: PdSessionDoc, comment: string, by: ChangedBy): Promise<void> {
  const declined = await Registration.findOneAndUpdate(scoped(tenantId, { _id: r._id, status: 'awaiting-approval' }), { $set: { status: 'declined', cancelledAt: new Date(), decision: decisionOf('declined', comment, by) }, $inc: { revision: 1 } }, { new: true }).lean<RegistrationDoc>();
  if (!declined) throw new Conflict(NOT_WAITING);
  await giveBack(tenantId, session._id, r);
  await audit.record(tenantId, { actor: by, action: 'session.registration-declined', subject: { kind: 'session', id: session._id }, after: { userId: String(r.userId), comment } });
  const activity = await catalog.getActivity(tenantId, session.activityId);
  await notices.notify(tenantId, {
    userId: r.userId,
    kind: 'session.declined',
    title: `Not approved: your registration for ${activity.title}`,
    body: [`${by.name} declined your registration, so the seat went back.`, comment ? `Their comment: ${comment}` : ''].filter(Boolean).join(' '),
    link: `/sessions/${session._id}`,
    dedupeKey: `session.declined:${r._id}:${declined.revision}`,
  });
  await promoteWaitlist(tenantId, session);
}
