import { Response, Router } from 'express';
import * as frameworks from '../../frameworks/service';
import { Actor } from '../../kernel/actor';
import { actorOf, requireCsrf } from '../../web/request';
import { Forbidden } from '../../kernel/errors';
import { formRoute } from '../../web/forms';
import { unflatten } from '../../kernel/validation';
import { handle } from '../../web/route';
import { canReviewPlan } from '../policy';
import { goalFormChoices, reviewForm } from '../presenter';
import * as plans from '../service';
import { by, PageExtras, readablePlan, PlanParams } from './common';

async function renderReview(res: Response, actor: Actor, plan: plans.PlanDoc, extras: PageExtras = {}): Promise<void> {
  const kind = plans.reviewKindNow(plan);
  res.render('plans/review', {
    title: kind === 'annual' ? 'Annual review' : 'End-of-period review',
    planId: String(plan._id),
    kind,
    goals: reviewForm(plan, await frameworks.competenciesByCode(actor.tenantId), extras.values),
    levels: goalFormChoices(undefined).levels,
    summary: typeof extras.values?.summary === 'string' ? extras.values.summary : '',
    message: extras.message,
    errors: extras.errors ?? {},
  });
}

async function reviewable(actor: Actor, planId: string): Promise<plans.PlanDoc> {
  const { plan } = await readablePlan(actor, planId);
  if (!canReviewPlan(actor, plan)) throw new Forbidden('The review is written by the teacher while the plan is active.');
  return plan;
}

/** The end-of-period or annual review. */
export function reviewRoutes(router: Router): void {
  router.get('/plans/:id/review', handle(async (req, res) => {
    const actor = actorOf(res);
    await renderReview(res, actor, await reviewable(actor, PlanParams.parse(req.params).id));
  }));

  router.post('/plans/:id/review', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const plan = await reviewable(actor, PlanParams.parse(req.params).id);
      await plans.completeReview(actor.tenantId, plan._id, unflatten(req.body), by(actor));
      res.redirect(303, res.locals.link(`/plans/${plan._id}`, { done: 'reviewed' }));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      await renderReview(res, actor, await reviewable(actor, PlanParams.parse(req.params).id), { message: err.message, errors: err.fields, values: req.body });
    },
  ));
}
