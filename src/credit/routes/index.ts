import { Router } from 'express';
import { keptCreditRoutes, registerKeptCreditPages } from './kept';
import { registerRenewalPages, renewalRoutes } from './renewals';
import { creditSettingsRoutes, registerCreditSettingsPages } from './settings';

/** Its links in the top navigation (kept credit, credit settings, renewals) and the teacher's renewal panel. */
export function registerCreditPages(): void {
  registerKeptCreditPages();
  registerCreditSettingsPages();
  registerRenewalPages();
}

/** Credit and records: kept credit, credit types and rules, renewals. */
export function creditRouter(): Router {
  const router = Router();
  keptCreditRoutes(router);
  creditSettingsRoutes(router);
  renewalRoutes(router);
  return router;
}
