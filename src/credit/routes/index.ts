import { Router } from 'express';
import { keptCreditRoutes, registerKeptCreditPages } from './kept';
import { registerRenewalPages, renewalRoutes } from './renewals';
import { creditSettingsRoutes, registerCreditSettingsPages } from './settings';
import { registerStipendPages, stipendRoutes } from './stipends';
import { registerTranscriptPages, transcriptRoutes } from './transcripts';

/** Its links in the top navigation (kept credit, credit settings, renewals, stipends, transcript) and the teacher's renewal panel. */
export function registerCreditPages(): void {
  registerKeptCreditPages();
  registerCreditSettingsPages();
  registerRenewalPages();
  registerStipendPages();
  registerTranscriptPages();
}

export { publicCreditRouter } from './verify';

/** Credit and records: kept credit, credit types and rules, renewals, stipends, transcripts and certificates. */
export function creditRouter(): Router {
  const router = Router();
  keptCreditRoutes(router);
  creditSettingsRoutes(router);
  renewalRoutes(router);
  stipendRoutes(router);
  transcriptRoutes(router);
  return router;
}
