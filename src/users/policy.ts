import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

/** Coach caseload page: coaches and approvers. */
export function canViewCoachHome(actor: Actor): boolean {
  return actor.roles.has('coach') || actor.roles.has('approver');
}

/** The facilitator home: people granted the role (or mapped from a course Instructor launch). */
export function canViewFacilitatorHome(actor: Actor): boolean {
  return actor.roles.has('facilitator');
}

/** PD-staff console: district PD staff only. */
export function canViewStaffConsole(actor: Actor): boolean {
  return actor.roles.has('pdStaff');
}

/** Granting coach/approver/PD-staff rights and assigning coaches: PD staff of the same tenant. */
export function canManagePeople(actor: Actor, person: { tenantId: Types.ObjectId }): boolean {
  return sameTenant(actor, person) && actor.roles.has('pdStaff');
}
