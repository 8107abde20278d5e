import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type TenantThing = { tenantId: Types.ObjectId };

/** Every launched user of the tenant may read its frameworks (the assessment is built on them). */
export function canReadFramework(actor: Actor, framework: TenantThing): boolean {
  return sameTenant(actor, framework);
}

/** PD staff of the tenant create, edit, import, export frameworks and choose the default. */
export function canManageFramework(actor: Actor, framework: TenantThing): boolean {
  return sameTenant(actor, framework) && actor.roles.has('pdStaff');
}

/** A new framework belongs to the actor's own tenant: PD staff may create one there. */
export function canCreateFramework(actor: Actor): boolean {
  return canManageFramework(actor, { tenantId: actor.tenantId });
}
