import { Request, Response, Router } from 'express';
import { z } from 'zod';
import * as catalog from '../../catalog/service';
import * as frameworks from '../../frameworks/service';
import { actorOf, requireCsrf } from '../../web/request';
import { Forbidden } from '../../kernel/errors';
import { formRoute } from '../../web/forms';
import { handle } from '../../web/route';
import { canTickCoachingStep } from '../policy';
import { ACTIVITY_KIND_LABELS, catalogChoice, goalSummary, totalsView } from '../presenter';
import * as plans from '../service';
import { proposedGoals } from '../changes';
import { by, changeablePlan, editablePlan, oid, PageExtras, progressPlan, readablePlan, ActivityParams, GoalParams } from './common';
import { renderActivity, renderGoal } from './pages';

const CatalogQuery = z.object({
  q: z.string().trim().max(100).optional().default(''),
  competency: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(20).optional()),
  kind: z.preprocess((v) => (v === '' ? undefined : v), z.enum(catalog.ACTIVITY_KINDS).optional()),
  maxCost: z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.coerce.number().min(0).optional()),
});
const StepForm = z.object({ step: z.enum(plans.COACHING_STEPS) });

/** The catalog picker for a goal; on an approved plan it shows the goal as it would be with the proposed changes. */
async function renderPicker(req: Request, res: Response, extras: PageExtras = {}): Promise<void> {
  const actor = actorOf(res);
  const params = GoalParams.parse(req.params);
  const { plan: approved } = await changeablePlan(actor, params.id);
  const plan = approved.status === 'active' ? { ...approved, goals: proposedGoals(approved) } : approved;
  const goal = plans.findGoal(plan, params.goalId);
  const query = CatalogQuery.parse(req.query);
  const competencies = await frameworks.competenciesByCode(actor.tenantId);
  const filter = { text: query.q, competency: query.competency ?? (query.q ? undefined : goal.competency || undefined), kind: query.kind, maxCost: query.maxCost };
  const found = await catalog.listActivities(actor.tenantId, filter);
  const inGoal = new Set(goal.activities.map((a) => String(a.activityId)));
  res.render('plans/add-activity', {
    title: 'Add activities',
    planId: String(plan._id),
    goal: goalSummary(goal, plan.goals.indexOf(goal), competencies),
    query: { ...query, competency: filter.competency ?? '' },
    competencies: [...competencies.values()].map((c) => ({ value: c.code, label: `${c.name} (${c.code})` })),
    kinds: catalog.ACTIVITY_KINDS.map((k) => ({ value: k, label: ACTIVITY_KIND_LABELS[k] ?? k })),
    results: found.filter((a) => !inGoal.has(String(a._id))).slice(0, 30).map((a) => catalogChoice(a, competencies)),
    totals: totalsView(plans.planTotals(plan, actor.policy)),
    message: extras.message,
    errors: extras.errors ?? {},
    values: extras.values ?? {},
  });
}

function addActivityForm(router: Router, path: string, add: typeof plans.addCatalogActivity): void {
  router.post(path, requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const params = GoalParams.parse(req.params);
      const { plan } = await changeablePlan(actor, params.id);
      await add(actor.tenantId, plan._id, oid(params.goalId), req.body, by(actor));
      res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}/activities/new`, { added: '1' }));
    },
    (req, res, err) => renderPicker(req, res, { message: err.message, errors: err.fields, values: req.body }),
  ));
}

/** Adding catalog or custom activities to a goal. */
export function pickerRoutes(router: Router): void {
  router.get('/plans/:id/goals/:goalId/activities/new', handle((req, res) => renderPicker(req, res)));
  addActivityForm(router, '/plans/:id/goals/:goalId/activities', plans.addCatalogActivity);
  addActivityForm(router, '/plans/:id/goals/:goalId/activities/custom', plans.addCustomActivity);
}

/** An activity's page: planned dates, progress, coaching-cycle steps, removing it. */
export function activityRoutes(router: Router): void {
  router.get('/plans/:id/goals/:goalId/activities/:aid', handle(async (req, res) => {
    const actor = actorOf(res);
    const params = ActivityParams.parse(req.params);
    const { plan, teacher } = await readablePlan(actor, params.id);
    await renderActivity(res, actor, plan, teacher, params);
  }));

  router.post('/plans/:id/goals/:goalId/activities/:aid/dates', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const params = ActivityParams.parse(req.params);
      const { plan } = await editablePlan(actor, params.id);
      await plans.setPlannedDates(actor.tenantId, plan._id, oid(params.goalId), oid(params.aid), req.body, by(actor));
      res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}/activities/${params.aid}`));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const params = ActivityParams.parse(req.params);
      const { plan, teacher } = await readablePlan(actor, params.id);
      await renderActivity(res, actor, plan, teacher, params, { message: err.message, errors: err.fields, values: req.body });
    },
  ));

  router.post('/plans/:id/goals/:goalId/activities/:aid/delete', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const params = ActivityParams.parse(req.params);
    const { plan } = await changeablePlan(actor, params.id);
    await plans.removeActivity(actor.tenantId, plan._id, oid(params.goalId), oid(params.aid), by(actor));
    res.redirect(303, plan.status === 'active' ? res.locals.link(`/plans/${plan._id}`, { done: 'change-saved' }) : res.locals.link(`/plans/${plan._id}/goals/${params.goalId}`));
  }));

  router.post('/plans/:id/goals/:goalId/activities/:aid/progress', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const params = ActivityParams.parse(req.params);
      const { plan } = await progressPlan(actor, params.id);
      const outcome = await plans.setActivityProgress(actor.tenantId, plan._id, oid(params.goalId), oid(params.aid), req.body, by(actor));
      const flash = outcome.goalCompleted ? { celebrate: '1' } : {};
      res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}`, flash));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const params = ActivityParams.parse(req.params);
      const { plan, teacher } = await readablePlan(actor, params.id);
      await renderGoal(res, actor, plan, teacher, params.goalId, { message: err.message, errors: err.fields });
    },
  ));

  router.post('/plans/:id/goals/:goalId/activities/:aid/steps', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const params = ActivityParams.parse(req.params);
    const { plan, teacher } = await readablePlan(actor, params.id);
    if (!canTickCoachingStep(actor, plan, teacher)) throw new Forbidden('Coaching-cycle steps are ticked off by the teacher\'s coach.');
    await plans.tickCoachingStep(actor.tenantId, plan._id, oid(params.goalId), oid(params.aid), StepForm.parse(req.body).step, by(actor));
    res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}/activities/${params.aid}`));
  }));
}
