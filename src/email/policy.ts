import { Actor } from '../kernel/actor';

type Owned = { tenantId: Actor['tenantId']; userId: Actor['userId'] };

/** A person's email choices are read and changed by that person only. */
export function canChooseEmails(actor: Actor, prefs: Owned): boolean {
  return actor.tenantId.equals(prefs.tenantId) && actor.userId.equals(prefs.userId);
}

/** PD staff of the district decide which emails about a teacher are copied to their managers. */
export function canEditEmailSettings(actor: Actor, tenant: { _id: Actor['tenantId'] }): boolean {
  return actor.tenantId.equals(tenant._id) && actor.roles.has('pdStaff');
}

/** Approvers' emails (plans to decide, the weekly digest, copies about their teachers) are offered to approvers and PD staff. */
export function getsApproverEmails(actor: Actor): boolean {
  return actor.roles.has('approver') || actor.roles.has('pdStaff');
}
