import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type TenantThing = { tenantId: Types.ObjectId };

/** Every launched user of the tenant may browse its catalog and open an activity. */
export function canViewActivity(actor: Actor, activity: TenantThing): boolean {
  return sameTenant(actor, activity);
}

/** PD staff of the tenant edit, retire and reactivate activities. */
export function canManageActivity(actor: Actor, activity: TenantThing): boolean {
  return sameTenant(actor, activity) && actor.roles.has('pdStaff');
}

/** A new activity belongs to the actor's own tenant: PD staff may add one there. */
export function canCreateActivity(actor: Actor): boolean {
  return canManageActivity(actor, { tenantId: actor.tenantId });
}
