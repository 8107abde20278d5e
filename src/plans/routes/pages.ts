import { Response } from 'express';
import * as frameworks from '../../frameworks/service';
import type { UserDoc } from '../../users/service';
import { Actor } from '../../kernel/actor';
import { ActivityLink, activityLinks } from '../../web/activityLinks';
import { readerOf } from '../../web/request';
import { isoDate } from '../../web/format';
import {
  canDecideChange,
  canDecidePlan,
  canProposeChange,
  canDownloadEvidence,
  canEditPlan,
  canReadFeedback,
  canReadReflection,
  canRecordProgress,
  canRenewPlan,
  canReviewPlan,
  canShareReflection,
  canSubmitPlan,
  canTickCoachingStep,
  canVerifyEvidence,
  canViewCaseload,
  canWriteFeedback,
} from '../policy';
import {
  ACCEPTED_FILES,
  ACCEPTED_LABEL,
  activityRow,
  evidenceView,
  feedbackView,
  goalSummary,
  planListItem,
  planView,
  proposalView,
  reflectionView,
} from '../presenter';
import * as plans from '../service';
import { hasPendingChanges, proposedGoals } from '../changes';
import { confirmation } from '../confirmations';
import { PageExtras } from './common';

// The plan, goal and activity pages, shown after a GET and again, with the typed values, after a refused form.

export async function renderPlan(res: Response, actor: Actor, plan: plans.PlanDoc, teacher: UserDoc, extras: PageExtras = {}): Promise<void> {
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
    offers: await offersFor(actor, plan, plan.goals),
    observeLink: canViewCaseload(actor) && !own ? `/observations/new?teacher=${teacher._id}` : '',
    message: extras.message,
    errors: extras.errors ?? {},
    values: extras.values ?? {},
  });
}

/** Links beside goals' activities still to do (their sessions to register for), `[goalId][catalogId]`: the teacher's own current plan only. */
async function offersFor(actor: Actor, plan: plans.PlanDoc, goals: plans.GoalDoc[]): Promise<Record<string, Record<string, ActivityLink[]>>> {
  if (!plan.current || !plan.userId.equals(actor.userId)) return {};
  return activityLinks(actor, goals.map((g) => ({ goalId: String(g._id), catalogIds: plans.catalogActivitiesToDo(g) })));
}

export async function renderGoal(res: Response, actor: Actor, plan: plans.PlanDoc, teacher: UserDoc, goalId: string, extras: PageExtras = {}): Promise<void> {
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
    offers: (await offersFor(actor, plan, [goal]))[String(goal._id)] ?? {},
    celebrate: !!extras.celebrate,
    message: extras.message,
    errors: extras.errors ?? {},
    values: extras.values ?? {},
  });
}

export async function renderActivity(res: Response, actor: Actor, plan: plans.PlanDoc, teacher: UserDoc, params: { goalId: string; aid: string }, extras: PageExtras = {}): Promise<void> {
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
    offers: (await offersFor(actor, plan, [goal]))[String(goal._id)]?.[String(activity.activityId)] ?? [],
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
