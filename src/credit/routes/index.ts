import { Router } from 'express';
import { keptCreditRoutes } from './kept';
import { renewalRoutes } from './renewals';
import { creditSettingsRoutes } from './settings';

/** Credit and records: kept credit, credit types and rules, renewals. */
export function creditRouter(): Router {
  const router = Router();
  keptCreditRoutes(router);
  creditSettingsRoutes(router);
  renewalRoutes(router);
  return router;
}
