import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type TenantThing = { tenantId: Types.ObjectId };

/** PD staff of the tenant see and change its schools, teams and cohorts and their members. */
export function canManageGroup(actor: Actor, group: TenantThing): boolean {
  return sameTenant(actor, group) && actor.roles.has('pdStaff');
}

/** A new group belongs to the actor's own tenant: PD staff may create one there. */
export function canCreateGroup(actor: Actor): boolean {
  return canManageGroup(actor, { tenantId: actor.tenantId });
}
