import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, Invalid, NotFound } from '../../kernel/errors';
import type { TenantPolicy } from '../../kernel/tenantPolicy';
import * as notices from '../../notifications/service';
import * as plans from '../../plans/service';
import { LIVE_STATUSES, PdSession, PdSessionDoc, Registration, RegistrationDoc } from '../model';
import { cancellationClosedReason, capBreach, holdsSeat, needsApproval, registrationClosedReason, seatedStatus } from '../rules';
import { askApprovers } from './approvers';
import { getSession } from './common';
import { isDuplicateKey } from '../../db/writeErrors';

type Id = Types.ObjectId;

type Place = { status: 'registered' | 'awaiting-approval' | 'waitlisted' };

export interface RegistrationOutcome {
  /** awaiting-approval: the seat is held while the plan's approver decides; the activity goes into the goal once approved. */
  status: Place['status'];
  waitlistNumber?: number;
  /** The activity was added to the goal now (false: it was there already). */
  addedToGoal: boolean;
  /** The plan is approved, so the activity was proposed as a change for the approver. */
  proposed: boolean;
  goalStatement: string;
}

export function findRegistration(tenantId: TenantId, sessionId: Id, userId: Id): Promise<RegistrationDoc | null> {
  return Registration.findOne(scoped(tenantId, { sessionId, userId })).lean<RegistrationDoc>();
}

/** A person's live registrations (seat, seat held for approval, or waitlist), optionally only for these sessions. */
export function registrationsOf(tenantId: TenantId, userId: Id, sessionIds?: Id[]): Promise<RegistrationDoc[]> {
  return Registration.find(scoped(tenantId, { userId, status: { $in: LIVE_STATUSES }, ...(sessionIds ? { sessionId: { $in: sessionIds } } : {}) })).lean<RegistrationDoc[]>();
}

/** Everyone on a session's lists: seats in registration order, seats held for approval, then the waitlist in its order. */
export async function rosterOf(tenantId: TenantId, sessionId: Id): Promise<{ seated: RegistrationDoc[]; awaitingApproval: RegistrationDoc[]; waitlist: RegistrationDoc[] }> {
  const all = await Registration.find(scoped(tenantId, { sessionId, status: { $in: LIVE_STATUSES } })).sort({ registeredAt: 1, _id: 1 }).lean<RegistrationDoc[]>();
  return {
    seated: all.filter((r) => r.status === 'registered'),
    awaitingApproval: all.filter((r) => r.status === 'awaiting-approval'),
    waitlist: all.filter((r) => r.status === 'waitlisted').sort((a, b) => (a.waitlistNumber ?? 0) - (b.waitlistNumber ?? 0)),
  };
}

/** The goal the person chose, in their current plan, or a field error saying what to do first. */
async function chosenGoal(tenantId: TenantId, userId: Id, goalId: string | undefined) {
  const plan = await plans.currentPlan(tenantId, userId);
  if (!plan || !plan.goals.length) throw new Invalid('Add a goal to your plan first: registering puts the activity in one of your goals. Nothing was registered.', { goalId: 'You have no goal yet' });
  const goal = plan.goals.find((g) => String(g._id) === goalId);
  if (!goal) throw new Invalid('Choose the goal this session is for. Nothing was registered.', { goalId: 'Choose one of your goals' });
  return { plan, goal };
}

/** Registering for a completed goal: it takes no more activities (registration's own wording; approval says its own). */
export const COMPLETED_GOAL = (): Error => new Invalid('That goal is completed, so the activity cannot go into it. Choose an open goal, or add a new goal for further work. Nothing was registered.', { goalId: 'This goal is completed' });

/**
 * The chosen goal, whether it holds the activity already, refusing a completed goal that does not (it takes no
 * more activities) and what would break a cap. Writes nothing.
 */
async function goalFor(tenantId: TenantId, activity: catalog.ActivityDoc, policy: TenantPolicy, userId: Id, goalId: string | undefined, refusal: string, completed: () => Error) {
  const { plan, goal } = await chosenGoal(tenantId, userId, goalId);
  const holds = goal.activities.some((a) => a.activityId?.equals(activity._id));
  if (goal.status === 'completed' && !holds) throw completed();
  const planned = { ...plan, goals: [...plan.goals, { activities: [{ hours: activity.hours, cost: activity.cost }] }] } as unknown as plans.PlanDoc;
  const breach = holds ? undefined : capBreach(plans.planTotals(planned, policy));
  if (breach) throw new Conflict(`${breach} ${refusal}`);
  return { plan, goal, holds };
}

const REFUSED = 'Nothing was registered; choose another session or ask your PD office.';

/** Puts the activity in the person's goal unless it is there (or `onHold`: only checks), refusing a completed goal and what would break a cap. */
export async function addToGoal(tenantId: TenantId, activity: catalog.ActivityDoc, policy: TenantPolicy, who: ChangedBy, goalId: string | undefined, opts: { onHold?: boolean; refusal?: string; completed?: () => Error } = {}) {
  const { plan, goal, holds } = await goalFor(tenantId, activity, policy, who.userId, goalId, opts.refusal ?? REFUSED, opts.completed ?? COMPLETED_GOAL);
  const base = { addedToGoal: false, proposed: false, goalStatement: goal.statement, planId: plan._id, goalId: goal._id };
  if (holds || opts.onHold) return base;
  await plans.addCatalogActivity(tenantId, plan._id, goal._id, { activityId: String(activity._id) }, who);
  return { ...base, addedToGoal: true, proposed: plan.status === 'active' };
}

/** Takes a free seat if nobody is waiting for one: one conditional update, so two people never get the last seat. */
export function takeSeat(tenantId: TenantId, sessionId: Id): Promise<PdSessionDoc | null> {
  return PdSession.findOneAndUpdate(scoped(tenantId, { _id: sessionId, status: 'scheduled', seatsLeft: { $gt: 0 }, waiting: 0 }), { $inc: { seatsLeft: -1 } }, { new: true }).lean<PdSessionDoc>();
}

export async function joinWaitlist(tenantId: TenantId, sessionId: Id): Promise<number> {
  const s = await PdSession.findOneAndUpdate(scoped(tenantId, { _id: sessionId, status: 'scheduled' }), { $inc: { waitlistSeq: 1, waiting: 1 } }, { new: true }).lean<PdSessionDoc>();
  if (!s) throw new Conflict('This session was cancelled.');
  return s.waitlistSeq;
}

export async function giveBack(tenantId: TenantId, sessionId: Id, place: { status: string }): Promise<void> {
  await PdSession.updateOne(scoped(tenantId, { _id: sessionId }), { $inc: holdsSeat(place.status) ? { seatsLeft: 1 } : { waiting: -1 } });
}

/** Writes the person's registration (a new one, or their cancelled or declined one reused); false when they hold one already. */
export async function saveRegistration(tenantId: TenantId, session: PdSessionDoc, userId: Id, fields: Record<string, unknown>): Promise<boolean> {
  const unset = { cancelledAt: 1, promotedAt: 1, decision: 1, ...(fields.needsApproval ? {} : { needsApproval: 1 }) };
  const revived = await Registration.updateOne(scoped(tenantId, { sessionId: session._id, userId, status: { $in: ['cancelled', 'declined'] } }), { $set: { ...fields, registeredAt: new Date() }, $unset: unset, $inc: { revision: 1 } });
  if (revived.modifiedCount) return true;
  try {
    await Registration.create({ tenantId, sessionId: session._id, activityId: session.activityId, userId, ...fields });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

const ALREADY: Record<string, string> = {
  registered: 'You are already registered for this session.',
  'awaiting-approval': 'Your registration for this session is waiting for your approver; your seat is held.',
  waitlisted: 'You are already on the waitlist for this session.',
};

/**
 * Registers a person for a session: the activity goes into the goal they chose (within the caps), then
 * they take a seat or the next waitlist number. When the district wants approval for the activity's
 * cost, the caps are checked but the goal waits: the seat is held (`awaiting-approval`) and the
 * approvers are asked; a waitlist place becomes such a held seat when it is promoted.
 * Nothing is registered when a rule says no.
 */
export async function register(tenantId: TenantId, sessionId: Id, policy: TenantPolicy, who: ChangedBy, goalId: string | undefined, now = new Date()): Promise<RegistrationOutcome> {
  const session = await getSession(tenantId, sessionId);
  const closed = registrationClosedReason(session, now);
  if (closed) throw new Conflict(`${closed} Nothing was registered.`);
  const mine = await findRegistration(tenantId, session._id, who.userId);
  if (mine && ALREADY[mine.status]) throw new Conflict(ALREADY[mine.status]!);
  const activity = await catalog.getActivity(tenantId, session.activityId);
  const approval = needsApproval(activity.cost, policy.registrationApprovalAbove);
  const goal = await addToGoal(tenantId, activity, policy, who, goalId, { onHold: approval });
  const seated = await takeSeat(tenantId, session._id);
  const place = seated ? { status: seatedStatus({ needsApproval: approval }) } : { status: 'waitlisted' as const, waitlistNumber: await joinWaitlist(tenantId, session._id) };
  if (!(await saveRegistration(tenantId, session, who.userId, { ...place, planId: goal.planId, goalId: goal.goalId, ...(approval ? { needsApproval: true } : {}) }))) {
    await giveBack(tenantId, session._id, place);
    if (holdsSeat(place.status)) await promoteWaitlist(tenantId, session);
    throw new Conflict('You are already registered for this session.');
  }
  // A seat freed while this person joined the waitlist: nobody else would hand it on.
  if (place.status === 'waitlisted') await promoteWaitlist(tenantId, session);
  await audit.record(tenantId, { actor: who, action: `session.${place.status}`, subject: { kind: 'session', id: session._id }, after: { userId: String(who.userId), ...place } });
  const saved = await findRegistration(tenantId, session._id, who.userId);
  if (saved && place.status === 'awaiting-approval') await askApprovers(tenantId, session, saved);
  const status = (saved?.status ?? place.status) as Place['status'];
  return { status, waitlistNumber: status === 'waitlisted' ? place.waitlistNumber : undefined, addedToGoal: goal.addedToGoal, proposed: goal.proposed, goalStatement: goal.goalStatement };
}

/**
 * Hands free seats to the waitlist in order. The seat is taken first (conditional on a free one); when
 * the person left the waitlist meanwhile the seat goes back and the next one is tried.
 */
export async function promoteWaitlist(tenantId: TenantId, session: Pick<PdSessionDoc, '_id' | 'activityId'>): Promise<void> {
  for (;;) {
    const next = await Registration.findOne(scoped(tenantId, { sessionId: session._id, status: 'waitlisted' })).sort({ waitlistNumber: 1 }).lean<RegistrationDoc>();
    if (!next) return;
    const seat = await PdSession.findOneAndUpdate(scoped(tenantId, { _id: session._id, status: 'scheduled', seatsLeft: { $gt: 0 } }), { $inc: { seatsLeft: -1, waiting: -1 } }).lean<PdSessionDoc>();
    if (!seat) return;
    const promotedAt = new Date();
    const moved = await Registration.updateOne(scoped(tenantId, { _id: next._id, status: 'waitlisted' }), { $set: { status: seatedStatus(next), promotedAt }, $unset: { waitlistNumber: 1 }, $inc: { revision: 1 } });
    if (!moved.modifiedCount) {
      // They cancelled in between (and counted themselves off the waitlist): undo both counts.
      await PdSession.updateOne(scoped(tenantId, { _id: session._id }), { $inc: { seatsLeft: 1, waiting: 1 } });
      continue;
    }
    await tellPromoted(tenantId, session, next, promotedAt);
  }
}

/** Tells the person promoted from the waitlist (`r` as it was on the waitlist); a seat held for approval also asks the approvers. */
export async function tellPromoted(tenantId: TenantId, session: Pick<PdSessionDoc, '_id' | 'activityId'>, r: RegistrationDoc, at: Date): Promise<void> {
  const activity = await catalog.getActivity(tenantId, session.activityId);
  const held = seatedStatus(r) === 'awaiting-approval';
  if (held) await askApprovers(tenantId, session, { ...r, revision: (r.revision ?? 0) + 1 });
  await notices.notify(tenantId, {
    userId: r.userId,
    kind: 'session.promoted',
    title: held ? `A seat opened in ${activity.title}: it is held for you while your approver decides` : `A seat opened: you are registered for ${activity.title}`,
    body: held ? 'You were next on the waitlist. The activity costs more than your district lets you register for without approval, so you are told when your approver decides; the calendar invite comes with the approval.' : 'You were next on the waitlist, so the seat is yours. Add the invite to your calendar from the session page.',
    link: `/sessions/${session._id}`,
    dedupeKey: `session.promoted:${r._id}:${at.getTime()}`,
  });
  await audit.record(tenantId, { action: 'session.promoted', subject: { kind: 'session', id: session._id }, after: { userId: String(r.userId) } });
}

/**
 * Takes a person off a session (themselves before the deadline, or a facilitator at any time); a freed
 * seat goes to the next person waiting. The activity stays in their plan.
 */
export async function cancelRegistration(tenantId: TenantId, sessionId: Id, userId: Id, by: ChangedBy, opts: { anyTime?: boolean; now?: Date } = {}): Promise<RegistrationDoc> {
  const session = await getSession(tenantId, sessionId);
  const late = cancellationClosedReason(session, opts.now ?? new Date());
  if (late && !opts.anyTime) throw new Conflict(late);
  const before = await Registration.findOneAndUpdate(scoped(tenantId, { sessionId, userId, status: { $in: LIVE_STATUSES } }), { $set: { status: 'cancelled', cancelledAt: new Date() }, $inc: { revision: 1 } }).lean<RegistrationDoc>();
  if (!before) throw new NotFound('That registration');
  await giveBack(tenantId, sessionId, before);
  await audit.record(tenantId, { actor: by, action: 'session.registration-cancelled', subject: { kind: 'session', id: sessionId }, before: { userId: String(userId), status: before.status } });
  if (holdsSeat(before.status)) await promoteWaitlist(tenantId, session);
  return before;
}
