import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type TenantThing = { tenantId: Types.ObjectId };

/** District reports (participation, spend, growth, sync) are read by PD staff of the tenant. */
export function canViewReports(actor: Actor, district: TenantThing): boolean {
  return sameTenant(actor, district) && actor.roles.has('pdStaff');
}

/** The district approval queue: PD staff of the tenant, and granted approvers while the district lets approvers approve. */
export function canViewApprovalOverview(actor: Actor, district: TenantThing): boolean {
  return sameTenant(actor, district) && (actor.roles.has('pdStaff') || (actor.roles.has('approver') && actor.policy.approvers === 'approver-grant'));
}

/** PD staff see every school in the queue; an approver only the schools and groups they belong to. */
export function seesWholeDistrict(actor: Actor, district: TenantThing): boolean {
  return canViewApprovalOverview(actor, district) && actor.roles.has('pdStaff');
}
