import { scoped } from '../db/tenancy';
import { DomainEvents, on } from '../events';
import { Group } from './model';

// What groups do on other features' events.

/** A deleted person leaves every group they were in. */
export async function removeDeletedMember({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await Group.updateMany(scoped(tenantId, { memberIds: userId }), { $pull: { memberIds: userId } });
}

export function registerGroupReactions(): void {
  on('user.data-deleted', removeDeletedMember);
}
