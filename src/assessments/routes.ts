import { Response, Router } from 'express';
import { Types } from 'mongoose';
import { handle } from '../web/route';
import { z } from 'zod';
import * as frameworks from '../frameworks/service';
import * as plans from '../plans/service';
import * as users from '../users/service';
import { Actor } from '../kernel/actor';
import { actorOf, requireCsrf } from '../web/request';
import { Forbidden, Invalid } from '../kernel/errors';
import { formList, objectId, unflatten } from '../kernel/validation';
import { formRoute } from '../web/forms';
import { addHomePanel } from '../web/homes';
import { addNavItem } from '../web/nav';
import { canReadAssessment, canReadAssessmentRatings, canReadObservation, canRecordObservation, canTakeAssessment } from './policy';
import {
  addedGoalConfirmation,
  assessmentForm,
  assessmentResult,
  caseloadRows,
  emptyObservation,
  historyRows,
  KeptChoice,
  observationForm,
  ObservationFormValues,
  observationValuesFromForm,
  observationView,
  recommendationsPage,
  teacherPanel,
  valuesFromAssessment,
  valuesFromForm,
  AssessmentFormValues,
} from './presenter';
import * as assessments from './service';

const Params = z.object({ id: objectId });
const AddedQuery = z.object({ added: objectId.optional().catch(undefined) });
const AddGoalForm = z.object({
  competency: z.string().trim().min(1).max(20),
  targetLevel: z.coerce.number().int().min(1).max(4),
  activityIds: formList(objectId),
});

function keptChoice(body: Record<string, unknown>): KeptChoice {
  const ids = Array.isArray(body.activityIds) ? body.activityIds : [body.activityIds];
  return { competency: typeof body.competency === 'string' ? body.competency : '', activityIds: ids.filter((v): v is string => typeof v === 'string') };
}
const TeacherQuery = z.object({ teacher: objectId });

/** The district's annual cost cap minus what the teacher's current plan already spends a year. */
function remainingBudget(actor: Actor, plan: plans.PlanDoc | null): number {
  const spent = plan ? plans.planTotals(plan, actor.policy).costPerYear : 0;
  return Math.max(0, actor.policy.maxCostPerYear - spent);
}

async function me(actor: Actor) {
  const self = await users.getUser(actor.tenantId, actor.userId);
  if (!canTakeAssessment(actor, self)) throw new Forbidden();
  return self;
}

async function renderAssessmentForm(res: Response, values?: AssessmentFormValues, err?: Invalid): Promise<void> {
  const actor = actorOf(res);
  await me(actor);
  if (!(await frameworks.hasActiveFramework(actor.tenantId))) {
    res.render('assessments/no-framework', { title: 'Needs assessment' });
    return;
  }
  const [fw, latest, history] = await Promise.all([
    frameworks.activeFramework(actor.tenantId),
    assessments.latestAssessment(actor.tenantId, actor.userId),
    assessments.assessmentHistory(actor.tenantId, actor.userId),
  ]);
  res.render('assessments/form', {
    title: 'Needs assessment',
    message: err?.message,
    retake: !!latest,
    history: historyRows(history),
    ...assessmentForm(fw, values ?? valuesFromAssessment(latest), err?.fields),
  });
}

async function observedTeacher(actor: Actor, teacherId: string) {
  const teacher = await users.getUser(actor.tenantId, teacherId);
  if (!canRecordObservation(actor, teacher)) throw new Forbidden('You can record observations only for teachers in your caseload.');
  return teacher;
}

async function renderObservationForm(res: Response, teacherId: string, values: ObservationFormValues, err?: Invalid): Promise<void> {
  const actor = actorOf(res);
  const teacher = await observedTeacher(actor, teacherId);
  const [fw, current] = await Promise.all([frameworks.activeFramework(actor.tenantId), assessments.currentLevels(actor.tenantId, teacher._id)]);
  res.render('assessments/observe', {
    title: `Observation of ${teacher.name || 'a teacher'}`,
    message: err?.message,
    ...observationForm(fw, teacher, current, values, err?.fields),
  });
}

/** What a new goal pushes over (a required minimum is only a reminder while the plan is being written). */
function overCaps(totals: plans.PlanTotals): string[] {
  return totals.problems.filter((p) => p.cap !== 'minHoursPerYear').map((p) => p.message);
}

/** The recommendations with what *Add as goal* does in the teacher's current plan, and the confirmation of one just added. */
async function renderRecommendations(res: Response, extras: { added?: string; message?: string; kept?: KeptChoice } = {}): Promise<void> {
  const actor = actorOf(res);
  await me(actor);
  const latest = (await frameworks.hasActiveFramework(actor.tenantId)) ? await assessments.latestAssessment(actor.tenantId, actor.userId) : null;
  if (!latest) {
    res.render('assessments/recommendations', { title: 'Your recommendations', page: undefined, message: extras.message });
    return;
  }
  const plan = await plans.currentPlan(actor.tenantId, actor.userId);
  const budget = remainingBudget(actor, plan);
  const recs = await assessments.recommendationsFor(actor.tenantId, actor.userId, { remainingBudget: budget });
  const opening = plans.goalOpening(plan);
  const goals = plan ? plans.plannedGoals(plan) : [];
  const added = plan && extras.added ? plans.newGoalIn(plan, extras.added) : undefined;
  res.render('assessments/recommendations', {
    title: 'Your recommendations',
    message: extras.message,
    confirmation: plan && added ? addedGoalConfirmation(String(plan._id), added, overCaps(plans.planTotals({ ...plan, goals }, actor.policy))) : undefined,
    page: recommendationsPage(recs, latest, budget, { opening, inPlan: goals.map((g) => g.competency), kept: extras.kept }),
  });
}

/** Its link in the top navigation, and the teacher's and coach's home panels. */
export function registerAssessmentPages(): void {
  addNavItem({ label: 'Needs assessment', path: '/assessment', section: 'mine', order: 15, visible: () => true });
  addHomePanel('teacher', async (actor) => {
    const hasFramework = await frameworks.hasActiveFramework(actor.tenantId);
    const latest = hasFramework ? await assessments.latestAssessment(actor.tenantId, actor.userId) : null;
    const budget = latest ? remainingBudget(actor, await plans.currentPlan(actor.tenantId, actor.userId)) : undefined;
    const recs = latest ? await assessments.recommendationsFor(actor.tenantId, actor.userId, { remainingBudget: budget, limit: 3 }) : [];
    return { order: 20, view: 'assessments/teacher-panel', data: teacherPanel(latest, recs, hasFramework) };
  });
  addHomePanel('coach', async (actor) => {
    const caseload = await users.caseload(actor.tenantId, actor.userId);
    const mine = caseload.filter((t) => canRecordObservation(actor, t));
    const latest = await assessments.latestAssessmentsOf(actor.tenantId, mine.map((t) => t._id));
    return { order: 20, view: 'assessments/coach-panel', data: { teachers: caseloadRows(mine, latest) } };
  });
}

export function assessmentsRouter(): Router {
  const router = Router();

  router.get('/assessment', handle(async (_req, res) => {
    await renderAssessmentForm(res);
  }));

  router.post(
    '/assessment',
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        const self = await me(actor);
        const saved = await assessments.submitAssessment(actor.tenantId, self._id, unflatten(req.body), actor);
        res.redirect(303, res.locals.link(`/assessments/${saved._id}`));
      },
      (req, res, err) => renderAssessmentForm(res, valuesFromForm(unflatten(req.body)), err),
    ),
  );

  router.get('/assessments/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    const doc = await assessments.getAssessment(actor.tenantId, Params.parse(req.params).id);
    const teacher = await users.getUser(actor.tenantId, doc.userId);
    if (!canReadAssessmentRatings(actor, doc, teacher)) throw new Forbidden('This assessment is private to the teacher and their coach.');
    const [fw, latest, current] = await Promise.all([
      frameworks.activeFramework(actor.tenantId),
      assessments.latestAssessment(actor.tenantId, teacher._id),
      assessments.currentLevels(actor.tenantId, teacher._id),
    ]);
    const isLatest = !!latest && latest._id.equals(doc._id);
    res.render('assessments/result', {
      title: actor.userId.equals(teacher._id) ? 'Your needs assessment' : `Needs assessment of ${teacher.name}`,
      own: canTakeAssessment(actor, teacher),
      observe: canRecordObservation(actor, teacher),
      teacherId: String(teacher._id),
      result: assessmentResult(doc, fw, current, { showNotes: canReadAssessment(actor, doc, teacher), isLatest }),
    });
  }));

  router.get('/recommendations', handle(async (req, res) => {
    await renderRecommendations(res, { added: AddedQuery.parse(req.query).added });
  }));

  router.post(
    '/recommendations/goals',
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        const self = await me(actor);
        const form = AddGoalForm.safeParse(req.body);
        if (!form.success) throw new Invalid('Choose a recommendation and its activities from the list; nothing was saved.');
        const rec = { ...form.data, activityIds: form.data.activityIds.map((id) => new Types.ObjectId(id)) };
        const { goal } = await plans.addRecommendedGoal(actor.tenantId, self._id, rec, actor);
        res.redirect(303, res.locals.link('/recommendations', { added: String(goal._id) }));
      },
      (req, res, err) => renderRecommendations(res, { message: err.message, kept: keptChoice(req.body) }),
    ),
  );

  router.get('/observations/new', handle(async (req, res) => {
    await renderObservationForm(res, TeacherQuery.parse(req.query).teacher, emptyObservation());
  }));

  router.post(
    '/observations',
    requireCsrf,
    formRoute(
      async (req, res) => {
        const actor = actorOf(res);
        const teacher = await observedTeacher(actor, TeacherQuery.parse(req.body).teacher);
        const input = await assessments.parseObservationForm(actor.tenantId, unflatten(req.body));
        const saved = await assessments.recordObservation(actor.tenantId, { ...input, teacherId: teacher._id, coachId: actor.userId }, actor);
        res.redirect(303, res.locals.link(`/observations/${saved._id}`));
      },
      (req, res, err) => renderObservationForm(res, TeacherQuery.parse(req.body).teacher, observationValuesFromForm(unflatten(req.body)), err),
    ),
  );

  router.get('/observations/:id', handle(async (req, res) => {
    const actor = actorOf(res);
    const o = await assessments.getObservation(actor.tenantId, Params.parse(req.params).id);
    const teacher = await users.getUser(actor.tenantId, o.teacherId);
    if (!canReadObservation(actor, o, teacher)) throw new Forbidden('This observation is private to the teacher and their coach.');
    const [fw, coach] = await Promise.all([frameworks.activeFramework(actor.tenantId), users.getUser(actor.tenantId, o.coachId)]);
    res.render('assessments/observation', {
      title: `Observation of ${teacher.name}`,
      observation: observationView(o, fw, { teacher: teacher.name, coach: coach.name }),
      observe: canRecordObservation(actor, teacher),
    });
  }));

  return router;
}
