import { Router } from 'express';
import { z } from 'zod';
import type { UserDoc } from '../../users/service';
import { Actor } from '../../kernel/actor';
import { actorOf, requireCsrf } from '../../web/request';
import { Forbidden } from '../../kernel/errors';
import { formRoute } from '../../web/forms';
import { handle } from '../../web/route';
import { canRecordProgress, canShareReflection, canWriteFeedback } from '../policy';
import * as plans from '../service';
import { by, oid, readablePlan, GoalParams, ReflectionParams, Id } from './common';
import { renderGoal } from './pages';

const ShareForm = z.object({ shared: z.enum(['yes', 'no']) });

/** A form on the goal page, shown again with what was typed when refused. */
function goalForm(router: Router, path: string, act: (actor: Actor, plan: plans.PlanDoc, teacher: UserDoc, goalId: Id, body: Record<string, unknown>) => Promise<void>): void {
  router.post(path, requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const params = GoalParams.parse(req.params);
      const { plan, teacher } = await readablePlan(actor, params.id);
      await act(actor, plan, teacher, oid(params.goalId), req.body);
      res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}`));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const params = GoalParams.parse(req.params);
      const { plan, teacher } = await readablePlan(actor, params.id);
      await renderGoal(res, actor, plan, teacher, params.goalId, { message: err.message, errors: err.fields, values: req.body });
    },
  ));
}

/** Reflections, the coaching thread and sharing a reflection. */
export function reflectionRoutes(router: Router): void {
  goalForm(router, '/plans/:id/goals/:goalId/reflections', async (actor, plan, _teacher, goalId, body) => {
    if (!canRecordProgress(actor, plan)) throw new Forbidden('Reflections are written by the teacher once the plan is active.');
    await plans.addReflection(actor.tenantId, plan._id, goalId, body, by(actor));
  });
  goalForm(router, '/plans/:id/goals/:goalId/feedback', async (actor, plan, teacher, goalId, body) => {
    if (!canWriteFeedback(actor, plan, teacher)) throw new Forbidden('The coaching thread is open to the teacher and their coach.');
    await plans.addFeedback(actor.tenantId, plan._id, goalId, body, { ...by(actor), role: plan.userId.equals(actor.userId) ? 'teacher' : 'coach' });
  });

  router.post('/plans/:id/goals/:goalId/reflections/:rid/share', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const params = ReflectionParams.parse(req.params);
    const { plan } = await readablePlan(actor, params.id);
    if (!canShareReflection(actor, plan)) throw new Forbidden('Only the teacher decides who reads their reflections.');
    await plans.setReflectionShared(actor.tenantId, plan._id, oid(params.goalId), oid(params.rid), ShareForm.parse(req.body).shared === 'yes', by(actor));
    res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}`));
  }));
}
