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

/**
 * A course's participants' progress is read from the course the actor launched from (never one named
 * in a request): by its Instructor while the district lets course instructors see it, and by PD staff.
 */
export function mayViewCourseParticipantsProgress(actor: Actor, course: TenantThing & { contextId: string }): boolean {
  return sameTenant(actor, course) && actor.context?.id === course.contextId && (actor.roles.has('pdStaff') || (actor.context.instructor && actor.policy.instructorsSeeCourseProgress));
}

/** A course instructor whose district keeps course progress closed is told how to get access instead. */
export function shouldAskForCourseAccess(actor: Actor): boolean {
  return !!actor.context?.instructor && !actor.roles.has('pdStaff') && !actor.policy.instructorsSeeCourseProgress;
}
