import { Actor } from '../kernel/actor';

/** PD staff of the district list the credit it keeps for people who deleted their data, and delete it. */
export function canManageKeptCredit(actor: Actor, district: { _id: Actor['tenantId'] }): boolean {
  return actor.tenantId.equals(district._id) && actor.roles.has('pdStaff');
}
