import { Actor } from '../kernel/actor';

/** The district audit log: PD staff only. */
export function canViewAuditLog(actor: Actor): boolean {
  return actor.roles.has('pdStaff');
}
