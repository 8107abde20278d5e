import { Response, Router } from 'express';
import { Actor } from '../../kernel/actor';
import { actorOf, requireCsrf } from '../../web/request';
import { isoDate } from '../../web/format';
import { formRoute } from '../../web/forms';
import { handle } from '../../web/route';
import { goalFormChoices, goalFormValues } from '../presenter';
import * as plans from '../service';
import { by, changeablePlan, editablePlan, frameworkOf, oid, PageExtras, readablePlan, GoalParams, PlanParams } from './common';
import { renderGoal } from './pages';

async function renderGoalForm(res: Response, actor: Actor, plan: plans.PlanDoc, goal: plans.GoalDoc | undefined, extras: PageExtras = {}): Promise<void> {
  res.render('plans/goal-form', {
    title: goal ? 'Edit goal' : 'Add a goal',
    action: goal ? `/plans/${plan._id}/goals/${goal._id}` : `/plans/${plan._id}/goals`,
    cancel: `/plans/${plan._id}`,
    values: goalFormValues(goal, extras.values),
    choices: goalFormChoices(await frameworkOf(actor.tenantId)),
    periodEnd: isoDate(plan.periodEnd),
    colleagues: [],
    colleagueSearch: undefined,
    message: extras.message,
    errors: extras.errors ?? {},
  });
}

/** Adding, editing and removing a plan's goals, and a goal's page. */
export function goalRoutes(router: Router): void {
  router.get('/plans/:id/goals/new', handle(async (req, res) => {
    const actor = actorOf(res);
    const { plan } = await changeablePlan(actor, PlanParams.parse(req.params).id);
    await renderGoalForm(res, actor, plan, undefined);
  }));

  router.post('/plans/:id/goals', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const { plan } = await changeablePlan(actor, PlanParams.parse(req.params).id);
      const goal = await plans.addGoal(actor.tenantId, plan._id, req.body, by(actor));
      res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${goal._id}/activities/new`, { done: plan.status === 'active' ? 'change-saved' : 'goal-added' }));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const { plan } = await changeablePlan(actor, PlanParams.parse(req.params).id);
      await renderGoalForm(res, actor, plan, undefined, { message: err.message, errors: err.fields, values: req.body });
    },
  ));

  router.get('/plans/:id/goals/:goalId', handle(async (req, res) => {
    const actor = actorOf(res);
    const params = GoalParams.parse(req.params);
    const { plan, teacher } = await readablePlan(actor, params.id);
    await renderGoal(res, actor, plan, teacher, params.goalId, { celebrate: req.query.celebrate === '1' });
  }));

  router.get('/plans/:id/goals/:goalId/edit', handle(async (req, res) => {
    const actor = actorOf(res);
    const params = GoalParams.parse(req.params);
    const { plan } = await editablePlan(actor, params.id);
    await renderGoalForm(res, actor, plan, plans.findGoal(plan, params.goalId));
  }));

  router.post('/plans/:id/goals/:goalId', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const params = GoalParams.parse(req.params);
      const { plan } = await editablePlan(actor, params.id);
      await plans.updateGoal(actor.tenantId, plan._id, oid(params.goalId), req.body, by(actor));
      res.redirect(303, res.locals.link(`/plans/${plan._id}`));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const params = GoalParams.parse(req.params);
      const { plan } = await editablePlan(actor, params.id);
      await renderGoalForm(res, actor, plan, plans.findGoal(plan, params.goalId), { message: err.message, errors: err.fields, values: req.body });
    },
  ));

  router.post('/plans/:id/goals/:goalId/delete', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const params = GoalParams.parse(req.params);
    const { plan } = await changeablePlan(actor, params.id);
    await plans.removeGoal(actor.tenantId, plan._id, oid(params.goalId), by(actor));
    res.redirect(303, res.locals.link(`/plans/${plan._id}`, { done: plan.status === 'active' ? 'change-saved' : 'goal-removed' }));
  }));
}
