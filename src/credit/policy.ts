import { Actor } from '../kernel/actor';

/** PD staff of the district list the credit it keeps for people who deleted their data, and delete it. */
export function canManageKeptCredit(actor: Actor, district: { _id: Actor['tenantId'] }): boolean {
  return canManageCredit(actor, district);
}

/** PD staff of the district define credit types, renewal rules, activity credit and teachers' cycles, and see everyone's renewals. */
export function canManageCredit(actor: Actor, district: { _id: Actor['tenantId'] }): boolean {
  return actor.tenantId.equals(district._id) && actor.roles.has('pdStaff');
}

/** A transcript (and its certificates) is read by its teacher, and produced by PD staff of the same district for anyone in it. */
export function canViewTranscript(actor: Actor, person: { tenantId: Actor['tenantId']; _id: Actor['userId'] }): boolean {
  return actor.tenantId.equals(person.tenantId) && (actor.userId.equals(person._id) || actor.roles.has('pdStaff'));
}

/** PD staff of the district see the stipends everyone in it earned, and download them for payroll. */
export function canViewStipendReport(actor: Actor, district: { _id: Actor['tenantId'] }): boolean {
  return actor.tenantId.equals(district._id) && actor.roles.has('pdStaff');
}
