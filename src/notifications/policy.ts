import { Actor } from '../kernel/actor';

/** A notice is read and dismissed only by the person it is for. */
export function canDismissNotice(actor: Actor, notice: { tenantId: import('mongoose').Types.ObjectId; userId: import('mongoose').Types.ObjectId }): boolean {
  return actor.tenantId.equals(notice.tenantId) && actor.userId.equals(notice.userId);
}
