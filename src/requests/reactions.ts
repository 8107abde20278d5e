import type { DomainEvents } from '../events';
import { on } from '../events';
import { forgetRequests } from './service/requests';

// What requests for outside PD do when other features' events happen.

/** A person's data deletion: their requests and files go (budgets keep the money as committed or paid). */
async function forgetPersonsRequests(e: DomainEvents['user.data-deleted']): Promise<void> {
  await forgetRequests(e.tenantId, e.userId);
}

export function registerRequestReactions(): void {
  on('user.data-deleted', forgetPersonsRequests);
}
