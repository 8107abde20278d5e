import { DomainEvents, on } from '../events';
import { scoped } from '../db/tenancy';
import { addCompletionJobs } from './jobs';
import { CompletionEvent } from './model';
import { replayForPerson, replayForPlan } from './service/replay';

// What completion sync does when other features' events happen, and its background jobs.

/** A deleted person's ledger entries go too: they carry LMS ids and e-mail addresses. */
export async function forgetPersonsCompletions({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await CompletionEvent.deleteMany(scoped(tenantId, { userId }));
}

export function registerCompletionReactions(): void {
  on('user.launched', replayForPerson);
  on('plan.status', replayForPlan);
  on('user.data-deleted', forgetPersonsCompletions);
  addCompletionJobs();
}
