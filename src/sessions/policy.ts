import { Types } from 'mongoose';
import { Actor, grantedApproverFor, sameTenant } from '../kernel/actor';

type SessionLike = { tenantId: Types.ObjectId; facilitatorIds: Types.ObjectId[] };
type RegistrationLike = { tenantId: Types.ObjectId; userId: Types.ObjectId };
type HeldRegistration = RegistrationLike & { status: string };

/** PD staff schedule sessions in their own tenant. */
export function canScheduleSessions(actor: Actor): boolean {
  return actor.roles.has('pdStaff');
}

/** A facilitator named on the session (holding the facilitator role), in the same tenant. */
export function facilitates(actor: Actor, session: SessionLike): boolean {
  return sameTenant(actor, session) && actor.roles.has('facilitator') && session.facilitatorIds.some((id) => id.equals(actor.userId));
}

/** PD staff of the tenant, or the session's own facilitators, edit it and see its roster, waitlist and attendance. */
export function canRunSession(actor: Actor, session: SessionLike): boolean {
  return sameTenant(actor, session) && (actor.roles.has('pdStaff') || facilitates(actor, session));
}

/** PD staff of the tenant cancel a session for everyone. */
export function canCancelSession(actor: Actor, session: SessionLike): boolean {
  return sameTenant(actor, session) && actor.roles.has('pdStaff');
}

/** Everyone launched in the tenant sees its sessions and may register for one. */
export function canRegister(actor: Actor, session: { tenantId: Types.ObjectId }): boolean {
  return sameTenant(actor, session);
}

/** A registration (its invite, its cancellation, signing in with it) is its own person's. */
export function ownsRegistration(actor: Actor, registration: RegistrationLike): boolean {
  return sameTenant(actor, registration) && actor.userId.equals(registration.userId);
}

/** Moving someone between two sessions changes both: the mover runs both (PD staff, or a facilitator of each). */
export function canMoveBetween(actor: Actor, from: SessionLike, to: SessionLike): boolean {
  return canRunSession(actor, from) && canRunSession(actor, to);
}

/** The queue of registrations held for approval: PD staff, and people granted Approver where approvers approve. */
export function canViewRegistrationApprovals(actor: Actor): boolean {
  return actor.roles.has('pdStaff') || ((actor.policy.approvers ?? 'approver-grant') === 'approver-grant' && actor.roles.has('approver'));
}

/**
 * A registration held for approval is approved or declined, in its tenant, by PD staff or the teacher's
 * plan approver (the granted approver who answers for them), never by the teacher themselves.
 */
export function canDecideRegistration(actor: Actor, registration: HeldRegistration): boolean {
  return sameTenant(actor, registration) && !actor.userId.equals(registration.userId) && registration.status === 'awaiting-approval' && (actor.roles.has('pdStaff') || grantedApproverFor(actor, registration.userId));
}
