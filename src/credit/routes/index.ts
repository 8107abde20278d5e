import { Router } from 'express';
import { keptCreditRoutes } from './kept';
import { renewalRoutes } from './renewals';
import { creditSettingsRoutes } from './settings';
import { transcriptRoutes } from './transcripts';

export { publicCreditRouter } from './verify';

/** Credit and records: kept credit, credit types and rules, renewals, transcripts and certificates. */
export function creditRouter(): Router {
  const router = Router();
  keptCreditRoutes(router);
  creditSettingsRoutes(router);
  renewalRoutes(router);
  transcriptRoutes(router);
  return router;
}
