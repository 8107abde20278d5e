import { Router } from 'express';
import * as catalog from '../../catalog/service';
import { Actor } from '../../kernel/actor';
import * as sessions from '../../sessions/service';
import { addHomePanel } from '../../web/homes';
import { addNavItem } from '../../web/nav';
import { canBuildEvaluations, canOpenResults, canSeeSessionResults } from '../policy';
import * as evaluations from '../service';
import { answerRoutes } from './answers';
import { formRoutes } from './forms';
import { resultRoutes } from './results';

/** Links to the results of the facilitator's latest sessions, with how many attendees answered. */
async function facilitatorResults(actor: Actor) {
  const { started } = await sessions.sessionsFacilitatedBy(actor.tenantId, actor.userId);
  const shown = started.filter((s) => canSeeSessionResults(actor, s)).slice(0, 8);
  if (!shown.length) return undefined;
  const counts = await evaluations.responseCounts(actor.tenantId, shown.map((s) => s._id));
  const titles = new Map((await catalog.getActivities(actor.tenantId, shown.map((s) => s.activityId))).map((a) => [String(a._id), a.title]));
  const rows = shown.map((s) => ({ id: String(s._id), title: titles.get(String(s.activityId)) ?? 'Activity no longer in the catalog', startsAt: s.startsAt.toISOString(), ...counts.get(String(s._id))! }));
  return { order: 30, view: 'evaluations/panel-facilitator', data: { rows } };
}

/** Its links in the top navigation, the teacher's "evaluations to give" and the facilitator's results panels. */
export function registerEvaluationPages(): void {
  addNavItem({ label: 'Evaluation forms', path: '/evaluations', section: 'district', order: 47, visible: canBuildEvaluations });
  addNavItem({ label: 'Evaluation results', path: '/evaluations/results', section: 'explore', order: 47, visible: canOpenResults });
  addHomePanel('teacher', async (actor) => {
    const pending = await evaluations.pendingEvaluations(actor.tenantId, actor.userId);
    return pending.length ? { order: 35, view: 'evaluations/panel-teacher', data: { pending: pending.map((p) => ({ ...p, endsAt: p.endsAt.toISOString(), path: evaluations.evaluationPath(p.sessionId) })) } } : undefined;
  });
  addHomePanel('facilitator', facilitatorResults);
}

/** Forms (PD staff), answering (participants) and results (facilitators and PD staff). */
export function evaluationsRouter(): Router {
  const router = Router();
  formRoutes(router);
  resultRoutes(router);
  answerRoutes(router);
  return router;
}
