import { Router } from 'express';
import type { ForgetAssessments } from '../service';
import { recordRoutes } from '../recordRoutes';
import { activityRoutes, pickerRoutes } from './activities';
import { approvalRoutes } from './approvals';
import { evidenceRoutes } from './evidence';
import { goalRoutes } from './goals';
import { lifecycleRoutes, planPageRoutes } from './plan';
import { reflectionRoutes } from './reflections';
import { reviewRoutes } from './review';
import { teamRoutes } from './team';

export { registerPlanPages } from './panels';

/** The plans pages (data deletion reaches assessments through `forgetAssessments`, so plans never import them): a plan and its lifecycle, goals, activities, evidence, reflections, review, approvals, team goals, the record. */
export function plansRouter(forgetAssessments: ForgetAssessments): Router {
  const router = Router();
  planPageRoutes(router);
  lifecycleRoutes(router);
  goalRoutes(router);
  pickerRoutes(router);
  activityRoutes(router);
  evidenceRoutes(router);
  reflectionRoutes(router);
  reviewRoutes(router);
  approvalRoutes(router);
  teamRoutes(router);
  recordRoutes(router, forgetAssessments);
  return router;
}
