import { on, onMany } from '../events';
import { forgetCreditRecords, recordPlanCompletions } from './service/ledger';
import { forgetCycle } from './service/renewal';

// What the credit ledger does when other features' events happen.

export function registerCreditReactions(): void {
  onMany('activity.completed', recordPlanCompletions);
  on('user.data-deleted', forgetCreditRecords);
  on('user.data-deleted', forgetCycle);
}
