import { config } from '../config';
import { scoped } from '../db/tenancy';
import { DomainEvents, on } from '../events';
import { addJob } from '../jobs/scheduler';
import { OutboxMessage } from './model';
import { deliverDue } from './service';

// What the outbox does on other features' events, and its delivery worker.

/**
 * Messages to or about a deleted person (scores, badges, emails, with their name in the label) go with their
 * data: `payload.userId` is whom a message is for, `payload.aboutUserId` whom it concerns (a manager's copy).
 */
export async function forgetMessagesAboutPerson({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await OutboxMessage.deleteMany(scoped(tenantId, { $or: [{ 'payload.userId': String(userId) }, { 'payload.aboutUserId': String(userId) }] }));
}

export function registerOutboxReactions(): void {
  on('user.data-deleted', forgetMessagesAboutPerson);
  addJob({ name: 'outbox', everyMs: config().outbox.pollMs, jitter: 0.3, singleton: false, run: async () => void (await deliverDue()) });
}
