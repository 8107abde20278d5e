import { registerCreditReactions } from '../reactions';

export * from './kept';
export * from './types';
export * from './ledger';
export * from './renewal';

registerCreditReactions();
export * from './transcript';
