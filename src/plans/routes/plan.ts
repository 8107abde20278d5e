import { Router } from 'express';
import * as users from '../../users/service';
import { Actor } from '../../kernel/actor';
import { actorOf, requireCsrf } from '../../web/request';
import { Forbidden } from '../../kernel/errors';
import { formRoute } from '../../web/forms';
import { handle } from '../../web/route';
import { canDecideChange, canDecidePlan, canProposeChange, canEditPlan, canRenewPlan, canStartPlan, canSubmitPlan } from '../policy';
import * as plans from '../service';
import { DoneCode, DoneQuery } from '../confirmations';
import { by, oid, readablePlan, ChangeParams, PlanParams } from './common';
import { renderPlan } from './pages';

/** The teacher's current plan, starting one, and a plan's page. */
export function planPageRoutes(router: Router): void {
  router.get('/plan', handle(async (_req, res) => {
    const actor = actorOf(res);
    const plan = await plans.currentPlan(actor.tenantId, actor.userId);
    if (plan) return res.redirect(303, res.locals.link(`/plans/${plan._id}`));
    const history = await plans.planHistory(actor.tenantId, actor.userId);
    res.render('plans/start', { title: 'My PD plan', policy: actor.policy, hadPlans: history.length > 0 });
  }));

  router.post('/plan', requireCsrf, handle(async (_req, res) => {
    const actor = actorOf(res);
    const me = await users.getUser(actor.tenantId, actor.userId);
    if (!canStartPlan(actor, me)) throw new Forbidden();
    const plan = await plans.ensureDraftPlan(actor.tenantId, actor.userId, by(actor));
    res.redirect(303, res.locals.link(`/plans/${plan._id}`));
  }));

  router.get('/plans/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    const { plan, teacher } = await readablePlan(actor, PlanParams.parse(req.params).id);
    await renderPlan(res, actor, plan, teacher, { done: DoneQuery.parse(req.query).done });
  }));
}

/** A form on the plan page; the action says what it did, for the confirmation on the page it lands on. */
function planForm(router: Router, path: string, action: (actor: Actor, plan: plans.PlanDoc, body: Record<string, unknown>) => Promise<DoneCode>, allowed: (actor: Actor, plan: plans.PlanDoc) => boolean): void {
  router.post(path, requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const { plan } = await readablePlan(actor, PlanParams.parse(req.params).id);
      if (!allowed(actor, plan)) throw new Forbidden('That is not something you can do with this plan now.');
      const done = await action(actor, plan, req.body);
      res.redirect(303, res.locals.link(`/plans/${plan._id}`, { done }));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const { plan, teacher } = await readablePlan(actor, PlanParams.parse(req.params).id);
      await renderPlan(res, actor, plan, teacher, { message: err.message, errors: err.fields, values: req.body });
    },
  ));
}

/** Committing, submitting, proposing and deciding changes, deciding, continuing and renewing a plan. */
export function lifecycleRoutes(router: Router): void {
  planForm(router, '/plans/:id/commitment', async (actor, plan, body) => {
    await plans.setCommitment(actor.tenantId, plan._id, body, by(actor));
    return 'commitment';
  }, canEditPlan);
  // One form: the commitment as typed is saved first, so a refused submission loses nothing.
  planForm(router, '/plans/:id/submit', async (actor, plan, body) => {
    if (body.text !== undefined || body.agreed !== undefined) await plans.setCommitment(actor.tenantId, plan._id, body, by(actor));
    await plans.submitPlan(actor.tenantId, plan._id, by(actor), body);
    return 'submitted';
  }, canSubmitPlan);
  planForm(router, '/plans/:id/changes/send', async (actor, plan, body) => {
    await plans.sendChanges(actor.tenantId, plan._id, body, by(actor));
    return 'change-sent';
  }, canProposeChange);
  planForm(router, '/plans/:id/changes/decision', async (actor, plan, body) => {
    await plans.decideChange(actor.tenantId, plan._id, body, by(actor));
    return body.decision === 'approve' ? 'change-approved' : 'change-returned';
  }, canDecideChange);

  router.post('/plans/:id/changes/:changeId/withdraw', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const params = ChangeParams.parse(req.params);
    const { plan } = await readablePlan(actor, params.id);
    if (!canProposeChange(actor, plan)) throw new Forbidden('Proposed changes are withdrawn by the teacher before they are sent.');
    await plans.withdrawChange(actor.tenantId, plan._id, oid(params.changeId), by(actor));
    res.redirect(303, res.locals.link(`/plans/${plan._id}`, { done: 'change-withdrawn' }));
  }));
  planForm(router, '/plans/:id/decision', async (actor, plan, body) => ((await plans.decidePlan(actor.tenantId, plan._id, body, by(actor))).status === 'active' ? 'approved' : 'returned'), canDecidePlan);
  planForm(router, '/plans/:id/continue', async (actor, plan) => {
    await plans.continuePlan(actor.tenantId, plan._id, by(actor));
    return 'continued';
  }, canRenewPlan);

  router.post('/plans/:id/renew', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const { plan } = await readablePlan(actor, PlanParams.parse(req.params).id);
    if (!canRenewPlan(actor, plan)) throw new Forbidden('A plan is renewed by its teacher after the review.');
    const next = await plans.renewPlan(actor.tenantId, plan._id, by(actor));
    res.redirect(303, res.locals.link(`/plans/${next._id}`, { done: 'renewed' }));
  }));
}
