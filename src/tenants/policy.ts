import { Actor } from '../kernel/actor';

/** The actor launched from this very platform registration (the tenant is the registration). */
export function isOwnTenant(actor: Actor, tenant: { _id: Actor['tenantId'] }): boolean {
  return actor.tenantId.equals(tenant._id);
}

/** PD staff of the tenant read and change its district policy (plan length, caps, approvals). */
export function canEditPolicy(actor: Actor, tenant: { _id: Actor['tenantId'] }): boolean {
  return isOwnTenant(actor, tenant) && actor.roles.has('pdStaff');
}
