import { on } from '../events';
import { forgetCreditRecords, recordPlanCompletion } from './service/ledger';
import { forgetCycle } from './service/renewal';

// What the credit ledger does when other features' events happen.

export function registerCreditReactions(): void {
  on('activity.completed', recordPlanCompletion);
  on('user.data-deleted', forgetCreditRecords);
  on('user.data-deleted', forgetCycle);
}
