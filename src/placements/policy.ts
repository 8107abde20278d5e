import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type TenantThing = { tenantId: Types.ObjectId };

/** The list of placed links and their gradebook columns: PD staff of the tenant. */
export function canViewPlacements(actor: Actor, tenant: TenantThing): boolean {
  return sameTenant(actor, tenant) && actor.roles.has('pdStaff');
}

/** Re-sending everyone's current scores to a placement's column: PD staff of its tenant, for a graded placement. */
export function canResyncPlacement(actor: Actor, placement: TenantThing & { lineItem?: { label?: string | null } | null }): boolean {
  return sameTenant(actor, placement) && actor.roles.has('pdStaff') && !!placement.lineItem?.label;
}

/** Who may place PD Pathways links in a course: instructors of that course and PD staff. */
export function canPlaceLinks(actor: Actor, instructorInContext: boolean): boolean {
  return instructorInContext || actor.roles.has('pdStaff');
}
