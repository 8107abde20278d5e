import { config } from '../config';
import { scoped } from '../db/tenancy';
import { DomainEvents, on } from '../events';
import { addJob } from '../jobs/scheduler';
import { OutboxMessage } from './model';
import { deliverDue } from './service';

// What the outbox does on other features' events, and its delivery worker.

/** Messages about a deleted person (scores, badges, with their name in the label) go with their data. */
export async function forgetMessagesAboutPerson({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await OutboxMessage.deleteMany(scoped(tenantId, { 'payload.userId': String(userId) }));
}

export function registerOutboxReactions(): void {
  on('user.data-deleted', forgetMessagesAboutPerson);
  addJob({ name: 'outbox', everyMs: config().outbox.pollMs, jitter: 0.3, singleton: false, run: async () => void (await deliverDue()) });
}
