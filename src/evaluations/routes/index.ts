import { Router } from 'express';
import { addHomePanel } from '../../web/homes';
import { addNavItem } from '../../web/nav';
import { canBuildEvaluations, canOpenResults } from '../policy';
import * as evaluations from '../service';
import { answerRoutes } from './answers';
import { formRoutes } from './forms';
import { resultRoutes } from './results';

/** Its links in the top navigation and the teacher's "evaluations to give" panel. */
export function registerEvaluationPages(): void {
  addNavItem({ label: 'Evaluation forms', path: '/evaluations', section: 'district', order: 47, visible: canBuildEvaluations });
  addNavItem({ label: 'Evaluation results', path: '/evaluations/results', section: 'explore', order: 47, visible: canOpenResults });
  addHomePanel('teacher', async (actor) => {
    const pending = await evaluations.pendingEvaluations(actor.tenantId, actor.userId);
    return pending.length ? { order: 35, view: 'evaluations/panel-teacher', data: { pending: pending.map((p) => ({ ...p, endsAt: p.endsAt.toISOString(), path: evaluations.evaluationPath(p.sessionId) })) } } : undefined;
  });
}

/** Forms (PD staff), answering (participants) and results (facilitators and PD staff). */
export function evaluationsRouter(): Router {
  const router = Router();
  formRoutes(router);
  resultRoutes(router);
  answerRoutes(router);
  return router;
}
