import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, NotFound } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import { LIVE_STATUSES, PdSession, PdSessionDoc, Registration, RegistrationDoc } from '../model';
import { holdsSeat, seatedStatus } from '../rules';
import { askApprovers } from './approvers';
import { getSession } from './common';
import { giveBack, joinWaitlist, promoteWaitlist, saveRegistration, takeSeat, tellPromoted } from './registrations';

type Id = Types.ObjectId;

/**
 * A facilitator seats someone from the waitlist ahead of its order: a free seat if there is one, else one
 * seat more than the limit (the facilitator knows the room). Each count moves in one conditional update.
 */
export async function seatFromWaitlist(tenantId: TenantId, sessionId: Id, userId: Id, by: ChangedBy): Promise<void> {
  const session = await getSession(tenantId, sessionId);
  if (session.status === 'cancelled') throw new Conflict('This session was cancelled.');
  const waiter = await Registration.findOne(scoped(tenantId, { sessionId, userId, status: 'waitlisted' })).lean<RegistrationDoc>();
  if (!waiter) throw new NotFound('That person on the waitlist');
  const waiting = { _id: sessionId, status: 'scheduled', waiting: { $gt: 0 } };
  const free = await PdSession.findOneAndUpdate(scoped(tenantId, { ...waiting, seatsLeft: { $gt: 0 } }), { $inc: { seatsLeft: -1, waiting: -1 } }).lean<PdSessionDoc>();
  const undo = free ? { seatsLeft: 1, waiting: 1 } : { seatLimit: -1, waiting: 1 };
  if (!free && !(await PdSession.findOneAndUpdate(scoped(tenantId, waiting), { $inc: { seatLimit: 1, waiting: -1 } }).lean())) throw new NotFound('That person on the waitlist');
  const promotedAt = new Date();
  const moved = await Registration.findOneAndUpdate(scoped(tenantId, { sessionId, userId, status: 'waitlisted' }), { $set: { status: seatedStatus(waiter), promotedAt }, $unset: { waitlistNumber: 1 }, $inc: { revision: 1 } }).lean<RegistrationDoc>();
  if (!moved) {
    await PdSession.updateOne(scoped(tenantId, { _id: sessionId }), { $inc: undo });
    throw new NotFound('That person on the waitlist');
  }
  await audit.record(tenantId, { actor: by, action: 'session.seated-ahead', subject: { kind: 'session', id: sessionId }, after: { userId: String(userId), addedSeat: !free } });
  await tellPromoted(tenantId, session, moved, promotedAt);
}

/** Sessions a registrant of this one could be moved to: the same activity's other sessions still to come. */
export async function moveTargets(tenantId: TenantId, session: Pick<PdSessionDoc, '_id' | 'activityId'>, now = new Date()): Promise<PdSessionDoc[]> {
  return PdSession.find(scoped(tenantId, { activityId: session.activityId, _id: { $ne: session._id }, status: 'scheduled', startsAt: { $gt: now } })).sort({ startsAt: 1 }).lean<PdSessionDoc[]>();
}

/**
 * Moves a person from one session to another of the same activity: their place in the new one (a seat,
 * else its waitlist) is taken first, then the old one is given back and handed on. Someone already on the
 * new session's lists is refused with nothing changed, so nobody holds two places.
 */
export async function moveRegistration(tenantId: TenantId, fromId: Id, toId: Id, userId: Id, by: ChangedBy): Promise<RegistrationDoc['status']> {
  const [from, to] = [await getSession(tenantId, fromId), await getSession(tenantId, toId)];
  if (!(await moveTargets(tenantId, from)).some((s) => s._id.equals(to._id))) throw new Conflict('Choose another upcoming session of the same activity.');
  const current = await Registration.findOne(scoped(tenantId, { sessionId: fromId, userId, status: { $in: LIVE_STATUSES } })).lean<RegistrationDoc>();
  if (!current) throw new NotFound('That registration');
  // A registration still needing approval needs it in the new session too.
  const place = (await takeSeat(tenantId, toId)) ? { status: seatedStatus(current) } : { status: 'waitlisted' as const, waitlistNumber: await joinWaitlist(tenantId, toId) };
  if (!(await saveRegistration(tenantId, to, userId, { ...place, planId: current.planId, goalId: current.goalId, ...(current.needsApproval ? { needsApproval: true } : {}) }))) {
    await giveBack(tenantId, toId, place);
    if (holdsSeat(place.status)) await promoteWaitlist(tenantId, to);
    throw new Conflict('That person is already on the other session’s lists; nothing was changed.');
  }
  if (place.status === 'waitlisted') await promoteWaitlist(tenantId, to);
  const left = await Registration.findOneAndUpdate(scoped(tenantId, { _id: current._id, status: { $in: LIVE_STATUSES } }), { $set: { status: 'cancelled', cancelledAt: new Date() }, $inc: { revision: 1 } }).lean<RegistrationDoc>();
  if (left) {
    await giveBack(tenantId, fromId, left);
    if (holdsSeat(left.status)) await promoteWaitlist(tenantId, from);
  }
  const moved = await Registration.findOne(scoped(tenantId, { sessionId: toId, userId })).lean<RegistrationDoc>();
  if (moved?.status === 'awaiting-approval') await askApprovers(tenantId, to, moved);
  await audit.record(tenantId, { actor: by, action: 'session.registration-moved', subject: { kind: 'session', id: fromId }, after: { userId: String(userId), to: String(toId), ...place } });
  const activity = await catalog.getActivity(tenantId, to.activityId);
  await notices.notify(tenantId, { userId, kind: 'session.moved', title: `Moved to another session of ${activity.title}`, body: place.status === 'awaiting-approval' ? 'A facilitator moved you to another session; your seat there is held while your approver decides.' : place.status === 'registered' ? 'A facilitator moved you to another session; your seat is there. Download the new invite from its page.' : 'A facilitator moved you to another session; you are on its waitlist.', link: `/sessions/${toId}`, dedupeKey: `session.moved:${current._id}:${toId}` });
  return place.status;
}
