import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type SessionLike = { tenantId: Types.ObjectId; facilitatorIds: Types.ObjectId[] };
type Anonymity = { anonymousToFacilitators: boolean; anonymousToStaff: boolean };

/** PD staff build the district's evaluation forms and decide whether an activity's credit waits for one. */
export function canBuildEvaluations(actor: Actor): boolean {
  return actor.roles.has('pdStaff');
}

/** PD staff of the tenant see every session's results; a facilitator only those of the sessions naming them. */
export function canSeeSessionResults(actor: Actor, session: SessionLike): boolean {
  return sameTenant(actor, session) && (actor.roles.has('pdStaff') || (actor.roles.has('facilitator') && session.facilitatorIds.some((id) => id.equals(actor.userId))));
}

/** The results pages list sessions (all of them for PD staff, their own for facilitators). */
export function canOpenResults(actor: Actor): boolean {
  return actor.roles.has('pdStaff') || actor.roles.has('facilitator');
}

/** The district efficacy report: PD staff only. */
export function canViewEfficacy(actor: Actor): boolean {
  return actor.roles.has('pdStaff');
}

/** A person evaluates a session only with their own registration, and only once their attendance is recorded. */
export function canEvaluate(actor: Actor, registration: { tenantId: Types.ObjectId; userId: Types.ObjectId; status: string; attendance?: unknown } | null | undefined): boolean {
  return !!registration && sameTenant(actor, registration) && actor.userId.equals(registration.userId) && registration.status === 'registered' && !!registration.attendance;
}

/** Names next to answers: PD staff unless the district keeps answers anonymous to them; facilitators only when it does not for them. */
export function seesNames(actor: Actor, settings: Anonymity & { tenantId: Types.ObjectId }): boolean {
  if (!sameTenant(actor, settings)) return false;
  if (actor.roles.has('pdStaff')) return !settings.anonymousToStaff;
  return actor.roles.has('facilitator') && !settings.anonymousToFacilitators;
}
