import { registerAssessmentPages } from './assessments/routes';
import { registerAuditPages } from './audit/routes';
import { registerCatalogPages } from './catalog/routes';
import { registerCompletionReactions } from './completions/reactions';
import { registerCompletionPages } from './completions/routes';
import { registerEvaluationReactions } from './evaluations/reactions';
import { registerEvaluationPages } from './evaluations/routes';
import { registerCredentialReactions } from './credentials/reactions';
import { registerCredentialPages } from './credentials/routes';
import { registerCreditReactions } from './credit/reactions';
import { registerCreditPages } from './credit/routes';
import { registerEmailReactions } from './email/reactions';
import { registerEmailPages } from './email/routes';
import { registerFrameworkPages } from './frameworks/routes';
import { registerGroupReactions } from './groups/reactions';
import { registerGroupPages } from './groups/routes';
import { registerNotificationPages } from './notifications/routes';
import { registerOutboxReactions } from './outbox/reactions';
import { registerOutboxPages } from './outbox/routes';
import { registerPathwayReactions } from './pathways/reactions';
import { registerPathwayPages } from './pathways/routes';
import { registerPlacementReactions } from './placements/reactions';
import { registerPlacementPages } from './placements/routes';
import { registerPlanReactions } from './plans/reactions';
import { registerPlanPages } from './plans/routes';
import { registerReportPages } from './reports/routes';
import { registerRequestReactions } from './requests/reactions';
import { registerRequestPages } from './requests/routes';
import { registerSessionReactions } from './sessions/reactions';
import { registerSessionPages } from './sessions/routes';
import { registerTenantPages } from './tenants/routes';
import { registerUserPages } from './users/routes';

/**
 * What one feature hooks into the others: `reactions` registers its event handlers, outbox deliveries and
 * background jobs; `pages` its links in the top navigation and its home panels.
 */
export interface FeatureRegistration {
  feature: string;
  reactions?: () => void;
  pages?: () => void;
}

/**
 * Every feature's registrations, in the order they run: handlers of one event run in this order, and nav
 * links or home panels with the same `order` are shown in this order. docs/ARCHITECTURE.md's event table
 * lists what this registers (test/architecture/reactions.test.ts keeps the two equal).
 */
export const REGISTRATIONS: readonly FeatureRegistration[] = [
  { feature: 'users', pages: registerUserPages },
  { feature: 'notifications', pages: registerNotificationPages },
  { feature: 'audit', pages: registerAuditPages },
  { feature: 'frameworks', pages: registerFrameworkPages },
  { feature: 'catalog', pages: registerCatalogPages },
  { feature: 'assessments', pages: registerAssessmentPages },
  { feature: 'tenants', pages: registerTenantPages },
  { feature: 'outbox', reactions: registerOutboxReactions, pages: registerOutboxPages },
  { feature: 'credit', reactions: registerCreditReactions, pages: registerCreditPages },
  { feature: 'groups', reactions: registerGroupReactions, pages: registerGroupPages },
  { feature: 'pathways', reactions: registerPathwayReactions, pages: registerPathwayPages },
  { feature: 'reports', pages: registerReportPages },
  { feature: 'plans', reactions: registerPlanReactions, pages: registerPlanPages },
  { feature: 'placements', reactions: registerPlacementReactions, pages: registerPlacementPages },
  { feature: 'completions', reactions: registerCompletionReactions, pages: registerCompletionPages },
  { feature: 'credentials', reactions: registerCredentialReactions, pages: registerCredentialPages },
  { feature: 'sessions', reactions: registerSessionReactions, pages: registerSessionPages },
  { feature: 'evaluations', reactions: registerEvaluationReactions, pages: registerEvaluationPages },
  { feature: 'requests', reactions: registerRequestReactions, pages: registerRequestPages },
  { feature: 'email', reactions: registerEmailReactions, pages: registerEmailPages },
];

let registered = false;

/**
 * Registers everything in REGISTRATIONS, once per process. The app calls it; so must anything that uses the
 * services without the app (a worker process, a test driving services directly), or events reach no one.
 */
export function registerAllReactions(): void {
  if (registered) return;
  registered = true;
  for (const r of REGISTRATIONS) r.reactions?.();
  for (const r of REGISTRATIONS) r.pages?.();
}
