import { scoped } from '../db/tenancy';
import { DomainEvents, on } from '../events';
import { CalendarFeed, LIVE_STATUSES, PdSession, Registration } from './model';
import { cancelRegistration } from './service';

// What PD sessions do on other features' events.

/**
 * A deleted person leaves every session: a seat they held goes to the next person waiting, then their
 * registrations, their calendar feed and their name on facilitator lists go.
 */
export async function forgetPersonsSessions({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  const open = await Registration.find(scoped(tenantId, { userId, status: { $in: LIVE_STATUSES } })).lean();
  for (const r of open) await cancelRegistration(tenantId, r.sessionId, userId, { userId, name: 'a deleted person' }, { anyTime: true });
  await Registration.deleteMany(scoped(tenantId, { userId }));
  await CalendarFeed.deleteMany(scoped(tenantId, { userId }));
  await PdSession.updateMany(scoped(tenantId, { facilitatorIds: userId }), { $pull: { facilitatorIds: userId } });
}

export function registerSessionReactions(): void {
  on('user.data-deleted', forgetPersonsSessions);
}
