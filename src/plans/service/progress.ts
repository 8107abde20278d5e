import { z } from 'zod';
import * as audit from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, Invalid } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import { COACHING_STEPS, Plan, PlanDoc } from '../model';
import { ActivityProgress, CoachingStep, CompletionSource, completeMatching, markComplete, PROGRESS_OPEN, recompute, requireStatus } from '../rules';
import { announceProgress } from './announcements';
import { ChangedBy, Id, mutatePlan, parse, policyOf } from './common';
import { findGoal, findPlanActivity } from './reading';

// ---------------------------------------------------------------------------------------------
// Progress: manual, LMS completions, evidence; goal completion and its events

export interface CompletionInput {
  userId: Id;
  activityId: Id;
  completedAt: Date;
  source: CompletionSource;
  eventId?: Id;
  hours?: number;
}

/**
 * Completion sync: marks the activity done in every current plan of the user that contains it.
 * First completion wins; certificate-required activities wait for verification. Idempotent.
 */
export async function applyActivityCompletion(tenantId: TenantId, input: CompletionInput): Promise<{ applied: { planId: Id; goalId: Id }[]; alreadyDone: number; notInPlan: boolean }> {
  const plans = await Plan.find(scoped(tenantId, { userId: input.userId, current: true, 'goals.activities.activityId': input.activityId })).lean<PlanDoc[]>();
  const applied: { planId: Id; goalId: Id }[] = [];
  let alreadyDone = 0;
  for (const found of plans) {
    const { plan, result } = await mutatePlan(tenantId, found._id, (p) => completeMatching(p, (a) => !!a.activityId?.equals(input.activityId), input), found);
    applied.push(...result.applied.map((goalId) => ({ planId: plan._id, goalId })));
    alreadyDone += result.already.length;
    const recomputed = { ...result.recomputed, completedActivities: result.activities, progressed: [...result.recomputed.progressed, ...result.already] };
    await announceProgress(plan, recomputed, input.source);
    await nudgeReflection(plan, result.recomputed.completed);
  }
  return { applied, alreadyDone, notInPlan: plans.length === 0 };
}

/** A goal completed by sync under a reflection-required policy: remind the teacher to reflect. */
async function nudgeReflection(plan: PlanDoc, completed: Id[]): Promise<void> {
  if (!completed.length || !(await policyOf(plan.tenantId)).reflectionRequired) return;
  for (const goal of completed.map((id) => findGoal(plan, id)).filter((g) => !g.reflections.length)) {
    await notices.notify(plan.tenantId, {
      userId: plan.userId,
      kind: 'reflection.nudge',
      title: 'Add a reflection to your completed goal',
      body: `What did you learn, and how will it change your practice? (${goal.statement.slice(0, 80)})`,
      link: `/plans/${plan._id}/goals/${goal._id}`,
      dedupeKey: `reflection.nudge:${goal._id}`,
    });
  }
}

const ManualProgress = z.object({ status: z.enum(['not-started', 'in-progress', 'done'], 'Choose not started, in progress or done') });

export interface ProgressOutcome {
  status: ActivityProgress;
  goalCompleted: boolean;
  /** The goal's rule is met but the policy wants a reflection before it completes. */
  needsReflection: boolean;
}

/** The teacher marks an activity's progress; done is final (first completion wins). */
export async function setActivityProgress(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, raw: unknown, by: ChangedBy): Promise<ProgressOutcome> {
  const { status } = parse(ManualProgress, raw, 'progress');
  const gate = (await policyOf(tenantId)).reflectionRequired;
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, PROGRESS_OPEN, 'record progress');
    const goal = findGoal(p, goalId);
    const activity = findPlanActivity(goal, planActivityId);
    if (activity.status === 'done' || activity.status === 'awaiting-verification') throw new Conflict('This activity is already complete.');
    const changed = status === 'done' ? markComplete(activity, { completedAt: new Date(), source: 'manual' }) : ((activity.status = status), true);
    const recomputed = recompute(p, [goal._id], gate);
    return { changed, recomputed: { ...recomputed, completedActivities: status === 'done' ? [{ goalId: goal._id, activity }] : [] }, goal, activity };
  });
  await audit.record(tenantId, { actor: by, action: 'activity.progress', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), activity: result.activity.title, status: result.activity.status } });
  await announceProgress(plan, result.recomputed, 'manual');
  const goal = findGoal(plan, goalId);
  return { status: result.activity.status as ActivityProgress, goalCompleted: goal.status === 'completed', needsReflection: goal.status === 'open' && goal.progress >= 1 };
}

/** A coach ticks off a coaching cycle's steps (plan → observe → debrief); the last one completes it. */
export async function tickCoachingStep(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, step: CoachingStep, by: ChangedBy): Promise<void> {
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, PROGRESS_OPEN, 'record coaching steps');
    const goal = findGoal(p, goalId);
    const activity = findPlanActivity(goal, planActivityId);
    if (activity.kind !== 'coaching-cycle') throw new Invalid('Only coaching cycles have steps to tick off.');
    activity.steps = { ...(activity.steps ?? {}), [step]: activity.steps?.[step] ?? new Date() };
    const allDone = COACHING_STEPS.every((s) => activity.steps?.[s]);
    if (!allDone && activity.status === 'not-started') activity.status = 'in-progress';
    const completed = allDone && markComplete(activity, { completedAt: new Date(), source: 'manual' });
    return { ...recompute(p, [goal._id], false), completedActivities: completed ? [{ goalId: goal._id, activity }] : [] };
  });
  await audit.record(tenantId, { actor: by, action: 'coaching.step', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), step } });
  await announceProgress(plan, result, 'manual');
}

/**
 * Proof of approved outside PD was verified: its plan activity is done (certified). Only while the plan is
 * running; returns whether it was marked (the credit is recorded by the caller either way).
 */
export async function completeApprovedActivity(tenantId: TenantId, planId: Id, goalId: Id, planActivityId: Id, completedAt: Date): Promise<boolean> {
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    if (!PROGRESS_OPEN.includes(p.status)) return undefined;
    const goal = findGoal(p, goalId);
    const activity = findPlanActivity(goal, planActivityId);
    if (!markComplete(activity, { completedAt, source: 'evidence', certified: true })) return undefined;
    return { ...recompute(p, [goal._id], false), completedActivities: [{ goalId: goal._id, activity }] };
  });
  if (result) await announceProgress(plan, result, 'evidence');
  return !!result;
}
