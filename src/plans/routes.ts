import { NextFunction, Request, Response, Router } from 'express';
import multer from 'multer';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as catalog from '../catalog/service';
import * as frameworks from '../frameworks/service';
import * as users from '../users/service';
import type { UserDoc } from '../users/service';
import { Actor } from '../kernel/actor';
import { actorOf, readerOf, requireCsrf } from '../web/request';
import { isoDate } from '../web/format';
import { Forbidden, Invalid } from '../kernel/errors';
import { formRoute } from '../web/forms';
import { objectId, unflatten } from '../kernel/validation';
import { addHomePanel } from '../web/homes';
import { addNavItem } from '../web/nav';
import { handle } from '../web/route';
import {
  canChangePlan,
  canDecideChange,
  canDecidePlan,
  canProposeChange,
  canDownloadEvidence,
  canEditPlan,
  canJoinGroupGoal,
  canReadFeedback,
  canReadPlan,
  canReadReflection,
  canRecordProgress,
  canRenewPlan,
  canReviewPlan,
  canShareReflection,
  canStartPlan,
  canSubmitPlan,
  canTickCoachingStep,
  canVerifyEvidence,
  canViewApprovalQueue,
  canViewCaseload,
  canViewGroupGoal,
  canWriteFeedback,
} from './policy';
import {
  ACCEPTED_FILES,
  ACCEPTED_LABEL,
  ACTIVITY_KIND_LABELS,
  activityRow,
  caseloadRow,
  catalogChoice,
  evidenceQueueRows,
  evidenceView,
  feedbackView,
  goalFormChoices,
  goalFormValues,
  goalSummary,
  groupGoalView,
  planFacts,
  planListItem,
  planView,
  proposalView,
  queueRow,
  reflectionView,
  reviewForm,
  totalsView,
} from './presenter';
import * as plans from './service';
import { hasPendingChanges, proposedGoals } from './changes';
import { confirmation, DoneCode, DoneQuery } from './confirmations';
import { recordRoutes } from './recordRoutes';

type Id = Types.ObjectId;
const PlanParams = z.object({ id: objectId });
const GoalParams = PlanParams.extend({ goalId: objectId });
const ActivityParams = GoalParams.extend({ aid: objectId });
const EvidenceParams = ActivityParams.extend({ eid: objectId });
const ReflectionParams = GoalParams.extend({ rid: objectId });
const ChangeParams = PlanParams.extend({ changeId: objectId });
const oid = (s: string) => new Types.ObjectId(s);
const by = (actor: Actor): plans.ChangedBy => ({ userId: actor.userId, name: actor.name });

const CatalogQuery = z.object({
  q: z.string().trim().max(100).optional().default(''),
  competency: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(20).optional()),
  kind: z.preprocess((v) => (v === '' ? undefined : v), z.enum(catalog.ACTIVITY_KINDS).optional()),
  maxCost: z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.coerce.number().min(0).optional()),
});
const ShareForm = z.object({ shared: z.enum(['yes', 'no']) });
const StepForm = z.object({ step: z.enum(plans.COACHING_STEPS) });
const PeopleQuery = z.object({ q: z.string().trim().max(100).optional().default('') });

async function frameworkOf(tenantId: Id) {
  return (await frameworks.hasActiveFramework(tenantId)) ? frameworks.activeFramework(tenantId) : undefined;
}

/** The plan and its teacher, when the actor may read it (other tenants' plans are not found at all). */
async function readablePlan(actor: Actor, planId: string): Promise<{ plan: plans.PlanDoc; teacher: UserDoc }> {
  const plan = await plans.getPlan(actor.tenantId, planId);
  const teacher = await users.getUser(actor.tenantId, plan.userId);
  if (!canReadPlan(actor, plan, teacher)) throw new Forbidden('This plan is visible to its teacher, their coach and approvers only.');
  return { plan, teacher };
}

async function editablePlan(actor: Actor, planId: string) {
  const found = await readablePlan(actor, planId);
  if (!canEditPlan(actor, found.plan)) throw new Forbidden(found.plan.userId.equals(actor.userId) ? `Your plan is ${found.plan.status}; goals and activities can be changed while it is a draft or returned.` : 'Only the teacher changes their plan.');
  return found;
}

/** A plan whose goals and activities the actor may add or remove: directly in a draft, as proposed changes once approved. */
async function changeablePlan(actor: Actor, planId: string) {
  const found = await readablePlan(actor, planId);
  if (!canChangePlan(actor, found.plan)) {
    const own = found.plan.userId.equals(actor.userId);
    throw new Forbidden(!own ? 'Only the teacher changes their plan.' : found.plan.change?.status === 'submitted' ? 'Your proposed changes are waiting for approval; you can propose more once the approver has decided.' : `Your plan is ${found.plan.status}; goals and activities can be changed while it is a draft or returned, and proposed as changes while it is active.`);
  }
  return found;
}

async function progressPlan(actor: Actor, planId: string) {
  const found = await readablePlan(actor, planId);
  if (!canRecordProgress(actor, found.plan)) throw new Forbidden('Progress, evidence and reflections are recorded by the teacher once the plan is active.');
  return found;
}

interface PageExtras {
  celebrate?: boolean;
  done?: DoneCode;
  message?: string;
  errors?: Record<string, string>;
  values?: Record<string, unknown>;
}

async function renderPlan(res: Response, actor: Actor, plan: plans.PlanDoc, teacher: UserDoc, extras: PageExtras = {}): Promise<void> {
  const totals = plans.planTotals(plan, actor.policy);
  const problems = plans.submitProblems(plan, actor.policy);
  const own = plan.userId.equals(actor.userId);
  const history = await plans.planHistory(actor.tenantId, plan.userId);
  const proposing = plan.status === 'active' && hasPendingChanges(plan);
  res.render('plans/plan', {
    proposal: proposing ? proposalView(plan, plans.planTotals({ ...plan, goals: proposedGoals(plan) }, actor.policy)) : undefined,
    confirmation: await confirmation(actor.tenantId, plan, teacher.name, extras.done, readerOf(actor).locale),
    otherPlans: history.filter((p) => !p._id.equals(plan._id)).map(planListItem),
    currentPlanId: plan.current ? undefined : history.find((p) => p.current)?._id.toString(),
    title: own ? 'My PD plan' : `PD plan of ${teacher.name || 'a teacher'}`,
    plan: planView(plan, { teacherName: teacher.name, totals, competencies: await frameworks.competenciesByCode(actor.tenantId), due: plans.reviewDue(plan), submitProblems: problems }),
    can: {
      own,
      edit: canEditPlan(actor, plan),
      propose: canProposeChange(actor, plan),
      decideChange: canDecideChange(actor, plan),
      submit: canSubmitPlan(actor, plan),
      progress: canRecordProgress(actor, plan),
      decide: canDecidePlan(actor, plan),
      review: canReviewPlan(actor, plan),
      renew: canRenewPlan(actor, plan),
    },
    observeLink: canViewCaseload(actor) && !own ? `/observations/new?teacher=${teacher._id}` : '',
    message: extras.message,
    errors: extras.errors ?? {},
    values: extras.values ?? {},
  });
}

async function renderGoal(res: Response, actor: Actor, plan: plans.PlanDoc, teacher: UserDoc, goalId: string, extras: PageExtras = {}): Promise<void> {
  const goal = plans.findGoal(plan, goalId);
  const index = plan.goals.indexOf(goal);
  res.render('plans/goal', {
    title: `Goal ${index + 1}`,
    planId: String(plan._id),
    teacherName: teacher.name,
    goal: goalSummary(goal, index, await frameworks.competenciesByCode(actor.tenantId)),
    reflections: goal.reflections.filter((r) => canReadReflection(actor, plan, teacher, r)).map((r) => reflectionView(r, goal.activities)),
    hiddenReflections: goal.reflections.filter((r) => !canReadReflection(actor, plan, teacher, r)).length,
    feedback: canReadFeedback(actor, plan, teacher) ? goal.feedback.map(feedbackView) : undefined,
    can: { own: plan.userId.equals(actor.userId), edit: canEditPlan(actor, plan), propose: canProposeChange(actor, plan), progress: canRecordProgress(actor, plan), feedback: canWriteFeedback(actor, plan, teacher), share: canShareReflection(actor, plan) },
    reflectionRequired: actor.policy.reflectionRequired,
    celebrate: !!extras.celebrate,
    message: extras.message,
    errors: extras.errors ?? {},
    values: extras.values ?? {},
  });
}

async function renderActivity(res: Response, actor: Actor, plan: plans.PlanDoc, teacher: UserDoc, params: { goalId: string; aid: string }, extras: PageExtras = {}): Promise<void> {
  const goal = plans.findGoal(plan, params.goalId);
  const activity = plans.findPlanActivity(goal, params.aid);
  res.render('plans/activity', {
    title: activity.title,
    planId: String(plan._id),
    goalId: String(goal._id),
    goalStatement: goal.statement,
    teacherName: teacher.name,
    activity: activityRow(activity),
    plannedStart: isoDate(activity.plannedStart),
    plannedEnd: isoDate(activity.plannedEnd),
    evidence: activity.evidence.map(evidenceView),
    can: {
      progress: canRecordProgress(actor, plan),
      plan: canEditPlan(actor, plan),
      verify: canVerifyEvidence(actor, plan),
      download: canDownloadEvidence(actor, plan, teacher),
      tick: canTickCoachingStep(actor, plan, teacher),
    },
    accept: ACCEPTED_FILES,
    acceptLabel: ACCEPTED_LABEL,
    maxMb: Math.round(plans.evidenceMaxBytes() / 1024 / 1024),
    message: extras.message,
    errors: extras.errors ?? {},
    values: extras.values ?? {},
  });
}

/** Multer in memory; a file over the limit becomes a field message instead of an error page. */
function evidenceUpload() {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: plans.evidenceMaxBytes(), files: 1, fields: 20 } }).single('file');
  return (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (err: unknown) => {
      if ((err as { code?: string } | undefined)?.code === 'LIMIT_FILE_SIZE') {
        res.locals.fileTooLarge = true;
        return next();
      }
      next(err);
    });
  };
}

function teacherRoutes(router: Router): void {
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

  /** A form on the plan page; the action says what it did, for the confirmation on the page it lands on. */
  const planForm = (path: string, action: (actor: Actor, plan: plans.PlanDoc, body: Record<string, unknown>) => Promise<DoneCode>, allowed: (actor: Actor, plan: plans.PlanDoc) => boolean) =>
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

  planForm('/plans/:id/commitment', async (actor, plan, body) => {
    await plans.setCommitment(actor.tenantId, plan._id, body, by(actor));
    return 'commitment';
  }, canEditPlan);
  // One form: the commitment as typed is saved first, so a refused submission loses nothing.
  planForm('/plans/:id/submit', async (actor, plan, body) => {
    if (body.text !== undefined || body.agreed !== undefined) await plans.setCommitment(actor.tenantId, plan._id, body, by(actor));
    await plans.submitPlan(actor.tenantId, plan._id, by(actor), body);
    return 'submitted';
  }, canSubmitPlan);
  planForm('/plans/:id/changes/send', async (actor, plan, body) => {
    await plans.sendChanges(actor.tenantId, plan._id, body, by(actor));
    return 'change-sent';
  }, canProposeChange);
  planForm('/plans/:id/changes/decision', async (actor, plan, body) => {
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
  planForm('/plans/:id/decision', async (actor, plan, body) => ((await plans.decidePlan(actor.tenantId, plan._id, body, by(actor))).status === 'active' ? 'approved' : 'returned'), canDecidePlan);
  planForm('/plans/:id/continue', async (actor, plan) => {
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

function goalRoutes(router: Router): void {
  const renderGoalForm = async (res: Response, actor: Actor, plan: plans.PlanDoc, goal: plans.GoalDoc | undefined, extras: PageExtras = {}) => {
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
  };

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

function activityRoutes(router: Router): void {
  const renderPicker = async (req: Request, res: Response, extras: PageExtras = {}) => {
    const actor = actorOf(res);
    const params = GoalParams.parse(req.params);
    const { plan: approved } = await changeablePlan(actor, params.id);
    // On an approved plan the picker shows the goal as it would be with the proposed changes.
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
  };

  router.get('/plans/:id/goals/:goalId/activities/new', handle((req, res) => renderPicker(req, res)));

  const addForm = (path: string, add: typeof plans.addCatalogActivity) =>
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
  addForm('/plans/:id/goals/:goalId/activities', plans.addCatalogActivity);
  addForm('/plans/:id/goals/:goalId/activities/custom', plans.addCustomActivity);

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

function evidenceRoutes(router: Router): void {
  router.post('/plans/:id/goals/:goalId/activities/:aid/evidence', evidenceUpload(), requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const params = ActivityParams.parse(req.params);
      const { plan } = await progressPlan(actor, params.id);
      if (res.locals.fileTooLarge) throw new Invalid('The file is too large; nothing was saved.', { file: `Files can be at most ${Math.round(plans.evidenceMaxBytes() / 1024 / 1024)} MB` });
      await plans.addEvidence(actor.tenantId, plan._id, oid(params.goalId), oid(params.aid), req.body, req.file, by(actor));
      res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}/activities/${params.aid}`));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const params = ActivityParams.parse(req.params);
      const { plan, teacher } = await readablePlan(actor, params.id);
      await renderActivity(res, actor, plan, teacher, params, { message: err.message, errors: err.fields, values: req.body ?? {} });
    },
  ));

  router.post('/plans/:id/goals/:goalId/activities/:aid/evidence/:eid/decision', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      const params = EvidenceParams.parse(req.params);
      const { plan } = await readablePlan(actor, params.id);
      if (!canVerifyEvidence(actor, plan)) throw new Forbidden('Evidence is verified by an approver.');
      await plans.decideEvidence(actor.tenantId, plan._id, oid(params.goalId), oid(params.aid), oid(params.eid), req.body, by(actor));
      res.redirect(303, res.locals.link(`/plans/${plan._id}/goals/${params.goalId}/activities/${params.aid}`));
    },
    async (req, res, err) => {
      const actor = actorOf(res);
      const params = EvidenceParams.parse(req.params);
      const { plan, teacher } = await readablePlan(actor, params.id);
      const errors = Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [`${k}-${params.eid}`, v]));
      await renderActivity(res, actor, plan, teacher, params, { message: err.message, errors });
    },
  ));

  router.get('/plans/:id/goals/:goalId/activities/:aid/evidence/:eid/file', handle(async (req, res) => {
    const actor = actorOf(res);
    const params = EvidenceParams.parse(req.params);
    const { plan, teacher } = await readablePlan(actor, params.id);
    if (!canDownloadEvidence(actor, plan, teacher)) throw new Forbidden('Evidence files are open to the teacher, their coach and approvers.');
    const file = plans.openEvidenceFile(plans.findEvidence(plan, params.goalId, params.aid, params.eid));
    res.attachment(file.filename);
    res.type(file.contentType);
    file.stream.on('error', () => res.destroy()).pipe(res);
  }));
}

function reflectionRoutes(router: Router): void {
  const goalForm = (path: string, act: (actor: Actor, plan: plans.PlanDoc, teacher: UserDoc, goalId: Id, body: Record<string, unknown>) => Promise<void>) =>
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

  goalForm('/plans/:id/goals/:goalId/reflections', async (actor, plan, _teacher, goalId, body) => {
    if (!canRecordProgress(actor, plan)) throw new Forbidden('Reflections are written by the teacher once the plan is active.');
    await plans.addReflection(actor.tenantId, plan._id, goalId, body, by(actor));
  });
  goalForm('/plans/:id/goals/:goalId/feedback', async (actor, plan, teacher, goalId, body) => {
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

function reviewRoutes(router: Router): void {
  const renderReview = async (res: Response, actor: Actor, plan: plans.PlanDoc, extras: PageExtras = {}) => {
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
  };
  const reviewable = async (actor: Actor, planId: string) => {
    const { plan } = await readablePlan(actor, planId);
    if (!canReviewPlan(actor, plan)) throw new Forbidden('The review is written by the teacher while the plan is active.');
    return plan;
  };

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

function approvalRoutes(router: Router): void {
  router.get('/approvals', handle(async (_req, res) => {
    const actor = actorOf(res);
    if (!canViewApprovalQueue(actor)) throw new Forbidden('The approval queue is for approvers.');
    const { submitted, evidence } = await approvalQueue(actor);
    res.render('plans/approvals', { title: 'Approvals', submitted, evidence });
  }));
}

async function approvalQueue(actor: Actor) {
  const [submitted, changed, withEvidence] = await Promise.all([plans.submittedPlans(actor.tenantId), plans.plansWithChangesToApprove(actor.tenantId), plans.plansWithEvidenceToVerify(actor.tenantId)]);
  const mine = (list: plans.PlanDoc[]) => list.filter((p) => !p.userId.equals(actor.userId));
  const people = await users.listUsers(actor.tenantId, { ids: [...submitted, ...changed, ...withEvidence].map((p) => p.userId) });
  const names = new Map(people.map((u) => [String(u._id), u.name || 'A teacher']));
  const decidable = [...mine(submitted).filter((p) => canDecidePlan(actor, p)), ...mine(changed).filter((p) => canDecideChange(actor, p))];
  return {
    submitted: decidable.map((p) => queueRow(p, names, plans.planTotals({ ...p, goals: proposedGoals(p) }, actor.policy))),
    evidence: mine(withEvidence).filter((p) => canVerifyEvidence(actor, p)).flatMap((p) => evidenceQueueRows(p, names.get(String(p.userId)) ?? 'A teacher')),
  };
}

function teamRoutes(router: Router): void {
  const renderTeamForm = async (res: Response, actor: Actor, extras: PageExtras & { q?: string } = {}) => {
    const plan = await plans.currentPlan(actor.tenantId, actor.userId);
    const chosen = goalFormValues(undefined, extras.values).memberIds;
    const found = await users.searchUsers(actor.tenantId, extras.q ?? '', 100);
    const kept = chosen.length ? await users.listUsers(actor.tenantId, { ids: chosen.filter((id) => Types.ObjectId.isValid(id)).map(oid) }) : [];
    const people = [...new Map([...kept, ...found].map((u) => [String(u._id), u])).values()].filter((u) => !u._id.equals(actor.userId));
    res.render('plans/goal-form', {
      title: 'Create a team goal',
      action: '/team-goals',
      cancel: '/team-goals',
      values: goalFormValues(undefined, extras.values),
      choices: goalFormChoices(await frameworkOf(actor.tenantId)),
      periodEnd: isoDate(plan?.periodEnd),
      colleagues: people.map((u) => ({ value: String(u._id), label: u.name || u.aliases?.email || 'Colleague', email: u.aliases?.email ?? '' })),
      colleagueSearch: { q: extras.q ?? '' },
      blocker: plans.teamGoalBlocker(plan),
      proposing: plan?.status === 'active',
      message: extras.message,
      errors: extras.errors ?? {},
    });
  };

  router.get('/team-goals', handle(async (_req, res) => {
    const actor = actorOf(res);
    const [groups, competencies] = await Promise.all([plans.groupGoalsFor(actor.tenantId, actor.userId), frameworks.competenciesByCode(actor.tenantId)]);
    res.render('plans/team-goals', { title: 'Team goals', groups: groups.map((g) => groupGoalView(g, undefined, String(actor.userId), competencies)) });
  }));

  router.get('/team-goals/new', handle(async (req, res) => renderTeamForm(res, actorOf(res), { q: PeopleQuery.parse(req.query).q })));

  router.post('/team-goals', requireCsrf, formRoute(
    async (req, res) => {
      const actor = actorOf(res);
      // "Search colleagues" posts the whole form, so the goal typed so far comes back with the results.
      if (req.body.intent === 'search') return renderTeamForm(res, actor, { values: req.body, q: PeopleQuery.parse({ q: req.body.q }).q });
      const group = await plans.createGroupGoal(actor.tenantId, by(actor), req.body);
      res.redirect(303, res.locals.link(`/team-goals/${group._id}`, { done: 'created' }));
    },
    (req, res, err) => renderTeamForm(res, actorOf(res), { message: err.message, errors: err.fields, values: req.body, q: typeof req.body.q === 'string' ? req.body.q.slice(0, 100) : '' }),
  ));

  router.get('/team-goals/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    const group = await plans.getGroupGoal(actor.tenantId, PlanParams.parse(req.params).id);
    if (!canViewGroupGoal(actor, group)) throw new Forbidden('This team goal was not shared with you.');
    const [progress, people, mine] = await Promise.all([plans.groupProgress(actor.tenantId, group), users.listUsers(actor.tenantId, { ids: group.invitedIds }), plans.currentPlan(actor.tenantId, actor.userId)]);
    const names = new Map(people.map((u) => [String(u._id), u.name || 'A colleague']));
    res.render('plans/team-goal', {
      title: 'Team goal',
      group: groupGoalView(group, progress, String(actor.userId), await frameworks.competenciesByCode(actor.tenantId)),
      people: group.invitedIds.map((id) => ({ name: names.get(String(id)) ?? 'A former member', owner: id.equals(group.ownerId), joined: group.memberIds.some((m) => m.equals(id)) })),
      canJoin: canJoinGroupGoal(actor, group),
      joinBlocker: plans.teamGoalBlocker(mine),
      proposing: mine?.status === 'active',
      joined: req.query.done === 'joined',
      created: req.query.done === 'created',
    });
  }));

  router.post('/team-goals/:id/join', requireCsrf, handle(async (req, res) => {
    const actor = actorOf(res);
    const group = await plans.getGroupGoal(actor.tenantId, PlanParams.parse(req.params).id);
    if (!canJoinGroupGoal(actor, group)) throw new Forbidden('This team goal was not shared with you.');
    await plans.joinGroupGoal(actor.tenantId, group._id, by(actor));
    res.redirect(303, res.locals.link(`/team-goals/${group._id}`, { done: 'joined' }));
  }));
}

/** Its links in the top navigation, and the plan, caseload and approval panels on the homes. */
export function registerPlanPages(): void {
  addNavItem({ label: 'My plan', path: '/plan', section: 'mine', order: 12, visible: () => true });
  addNavItem({ label: 'Team goals', path: '/team-goals', section: 'explore', order: 18, visible: () => true });
  addNavItem({ label: 'Approvals', path: '/approvals', section: 'mine', order: 25, visible: canViewApprovalQueue });
  addHomePanel('teacher', async (actor) => {
    const plan = await plans.currentPlan(actor.tenantId, actor.userId);
    if (!plan) return { order: 10, view: 'plans/teacher-panel', data: { plan: undefined }, facts: { plan: null } };
    const problems = plans.submitProblems(plan, actor.policy);
    const due = plans.reviewDue(plan);
    const view = planView(plan, { teacherName: actor.name, totals: plans.planTotals(plan, actor.policy), competencies: await frameworks.competenciesByCode(actor.tenantId), due, submitProblems: problems });
    const decides = plan.status === 'submitted' || plan.change?.status === 'submitted';
    const approvers = decides ? (await plans.approversOf(actor.tenantId, plan.userId)).map((u) => u.name || 'an approver') : [];
    return { order: 10, view: 'plans/teacher-panel', data: { plan: view }, facts: { plan: planFacts(plan, problems, due, approvers) } };
  });
  addHomePanel('coach', async (actor) => {
    if (!canViewCaseload(actor)) return undefined;
    const teachers = await users.caseload(actor.tenantId, actor.userId);
    const current = new Map((await plans.plansForUsers(actor.tenantId, teachers.map((t) => t._id))).filter((p) => p.current).map((p) => [String(p.userId), p]));
    const rows = teachers.map((t) => {
      const plan = current.get(String(t._id));
      return caseloadRow(t, plan, plan && plans.reviewDue(plan));
    });
    const caseload = { teachers: rows.length, withoutPlan: rows.filter((r) => !r.planId).length, reviewsDue: rows.filter((r) => r.reviewDue).length };
    return { order: 10, view: 'plans/coach-panel', data: { rows }, facts: { caseload } };
  });
  for (const kind of ['coach', 'staff'] as const) {
    addHomePanel(kind, async (actor) => {
      if (!canViewApprovalQueue(actor)) return undefined;
      const queue = await approvalQueue(actor);
      return { order: 11, view: 'plans/approvals-panel', data: queue, facts: { toDecide: { plans: queue.submitted.length, evidence: queue.evidence.length } } };
    });
  }
}

export function plansRouter(): Router {
  const router = Router();
  teacherRoutes(router);
  goalRoutes(router);
  activityRoutes(router);
  evidenceRoutes(router);
  reflectionRoutes(router);
  reviewRoutes(router);
  approvalRoutes(router);
  teamRoutes(router);
  recordRoutes(router);
  return router;
}
