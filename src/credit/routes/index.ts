import { Router } from 'express';
import { keptCreditRoutes, registerKeptCreditPages } from './kept';
import { registerRenewalPages, renewalRoutes } from './renewals';
import { creditSettingsRoutes, registerCreditSettingsPages } from './settings';
import { registerTranscriptPages, transcriptRoutes } from './transcripts';

/** Its links in the top navigation (kept credit, credit settings, renewals, transcript) and the teacher's renewal panel. */
export function registerCreditPages(): void {
  registerKeptCreditPages();
  registerCreditSettingsPages();
  registerRenewalPages();
  registerTranscriptPages();
}

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
