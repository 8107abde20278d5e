import { DomainEvents, on, onMany } from '../events';
import { addJob } from '../jobs/scheduler';
import { registerHandler } from '../outbox/service';
import { deliverEmail, forgetChoices, forgetSent, queueNoticeEmails, queueWeeklyDigests, sendReminders } from './service';

/** A deleted person's email choices and sent-email records go with their data. */
export async function forgetEmailRecords({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await forgetChoices(tenantId, userId);
  await forgetSent(tenantId, userId);
}

export function registerEmailReactions(): void {
  onMany('notice.created', queueNoticeEmails);
  on('user.data-deleted', forgetEmailRecords);
  registerHandler('email', deliverEmail);
  // Hourly, under a lease: on the digest day's hour one run queues each approver's digest (once per week by key).
  // Hourly, under a lease: session reminders, reviews due and renewals coming due, as notices (each once by its key).
  addJob({ name: 'email:reminders', everyMs: 3_600_000, singleton: true, run: () => sendReminders() });
  addJob({ name: 'email:weekly-digest', everyMs: 3_600_000, singleton: true, run: async () => void (await queueWeeklyDigests()) });
}
