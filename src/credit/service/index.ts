export * from './kept';
export * from './types';
export * from './ledger';
export * from './renewal';
export * from './transcript';
export { creditEarned } from '../rules';
export * from './stipends';
