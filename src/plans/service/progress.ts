import { z } from 'zod';
import * as audit from '../../audit/service';
import { snapshot } from '../../db/changes';
import { byTenant, scoped, TenantId } from '../../db/tenancy';
import { Conflict, Invalid } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import { COACHING_STEPS, Plan, PlanActivityDoc, PlanDoc } from '../model';
import { ActivityProgress, CoachingStep, CompletionSource, completeMatching, markComplete, PROGRESS_OPEN, recompute, requireStatus, uniqueIds } from '../rules';
import { announceChanges, announceCompletedGoals, announceProgress, PlanChange } from './announcements';
import { ChangedBy, Id, mutatePlan, parse, planWrite, policyOf } from './common';
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

export interface CompletionResult {
  /** Goals where this completion marked the activity done (or, for its ledger event, already had). */
  applied: { planId: Id; goalId: Id }[];
  alreadyDone: number;
  notInPlan: boolean;
}

type Matched = ReturnType<typeof completeMatching>;

const matchesActivity = (input: CompletionInput) => (a: PlanActivityDoc) => !!a.activityId?.equals(input.activityId);

function resultOf(plan: PlanDoc, m: Matched): CompletionResult {
  return { applied: [...m.applied, ...m.again].map((goalId) => ({ planId: plan._id, goalId })), alreadyDone: m.already.length, notInPlan: false };
}

/** What a plan's write of these completions changed, all of them together (in the order applied). */
function changeOf(plan: PlanDoc, matched: Matched[], source: CompletionSource): PlanChange {
  const ids = (pick: (m: Matched) => Id[]) => uniqueIds(matched.flatMap(pick));
  const r = {
    progressed: ids((m) => [...m.recomputed.progressed, ...m.already, ...m.again]),
    completed: ids((m) => m.recomputed.completed),
    planProgressed: matched.some((m) => m.recomputed.planProgressed),
    completedActivities: matched.flatMap((m) => m.activities),
  };
  return { plan, r, source };
}

/** The teachers' side of plans' completions: each goal completed is announced, and a reflection asked for. */
async function celebrateCompletions(changes: PlanChange[]): Promise<void> {
  await announceCompletedGoals(changes.map((c) => c.plan));
  await nudgeReflections(changes);
}

async function announceCompletions(plan: PlanDoc, matched: Matched[], source: CompletionSource): Promise<void> {
  const change = changeOf(plan, matched, source);
  await announceChanges([change]);
  await celebrateCompletions([change]);
}

/**
 * Completion sync: marks the activity done in every current plan of the user that contains it.
 * First completion wins; certificate-required activities wait for verification. Idempotent.
 */
export async function applyActivityCompletion(tenantId: TenantId, input: CompletionInput): Promise<CompletionResult> {
  const plans = await Plan.find(scoped(tenantId, { userId: input.userId, current: true, 'goals.activities.activityId': input.activityId })).lean<PlanDoc[]>();
  const out: CompletionResult = { applied: [], alreadyDone: 0, notInPlan: plans.length === 0 };
  for (const found of plans) {
    const { plan, result } = await mutatePlan(tenantId, found._id, (p) => completeMatching(p, matchesActivity(input), input), found);
    const r = resultOf(plan, result);
    out.applied.push(...r.applied);
    out.alreadyDone += r.alreadyDone;
    await announceCompletions(plan, [result], input.source);
  }
  return out;
}

/**
 * Many completions from the ledger at once (each with its event's id): the plans they touch are read in one
 * query and written in one bulk write, each conditional on the revision read; several completions of one
 * plan are applied to it in order. If any plan changed meanwhile, each plan is worked again on a fresh read
 * (the event ids make that safe: a completion this event already applied counts as applied, not as done
 * before). Returns each input's result in order; `failed` when telling the listeners failed (the plan was written).
 */
export async function applyActivityCompletions(tenantId: TenantId, inputs: (CompletionInput & { eventId: Id })[]): Promise<(CompletionResult & { failed?: unknown })[]> {
  const results: (CompletionResult & { failed?: unknown })[] = inputs.map(() => ({ applied: [], alreadyDone: 0, notInPlan: true }));
  if (!inputs.length) return results;
  // The people's current plans; which hold which activity is checked here (the embedded server's `$in` on a
  // path through two arrays looks only at the first goal).
  const found = await Plan.find(scoped(tenantId, { userId: { $in: uniqueIds(inputs.map((i) => i.userId)) }, current: true })).lean<PlanDoc[]>();
  const work = found
    .map((plan) => {
      const mine = inputs.flatMap((input, i) => (input.userId.equals(plan.userId) && plan.goals.some((g) => g.activities.some(matchesActivity(input))) ? [i] : []));
      return { plan, mine, change: (p: PlanDoc) => mine.map((i) => completeMatching(p, matchesActivity(inputs[i]!), inputs[i]!)) };
    })
    .filter((w) => w.mine.length);
  const staged = work.map((w) => ({ ...w, before: snapshot(w.plan), matched: w.change(w.plan) }));
  const saved = staged.length ? await Plan.bulkWrite(staged.map(({ plan, before }) => ({ updateOne: planWrite(tenantId, plan, before) })), { ordered: false }) : { matchedCount: 0 };
  const written = saved.matchedCount === staged.length ? staged.map((s) => ({ ...s, plan: { ...s.plan, rev: s.plan.rev + 1 } })) : await rewrite(tenantId, work);
  written.forEach((w) => w.mine.forEach((i, k) => {
    const r = resultOf(w.plan, w.matched[k]!);
    results[i] = { applied: [...results[i]!.applied, ...r.applied], alreadyDone: results[i]!.alreadyDone + r.alreadyDone, notInPlan: false };
  }));
  // The batch's events go out together; if telling the teachers fails, the batch's events are tried again
  // (each listener takes an event once).
  const changes = written.map((w) => changeOf(w.plan, w.matched, inputs[w.mine[0]!]!.source));
  await announceChanges(changes);
  await celebrateCompletions(changes).catch((failed: unknown) => written.forEach((w) => w.mine.forEach((i) => (results[i]!.failed = failed))));
  return results;
}

/** Some plan of a batch changed between the read and the write: each is worked again, one at a time, on a fresh read. */
async function rewrite<W extends { plan: PlanDoc; change: (p: PlanDoc) => Matched[] }>(tenantId: TenantId, work: W[]): Promise<(W & { matched: Matched[] })[]> {
  const out = [];
  for (const w of work) {
    const { plan, result } = await mutatePlan(tenantId, w.plan._id, w.change);
    out.push({ ...w, plan, matched: result });
  }
  return out;
}

/** Goals completed by sync under a reflection-required policy: remind the teachers to reflect. */
async function nudgeReflections(changes: PlanChange[]): Promise<void> {
  const completing = changes.filter((c) => c.r.completed.length).map((c) => ({ tenantId: c.plan.tenantId, ...c }));
  for (const [tenantId, mine] of byTenant(completing)) {
    if (!(await policyOf(tenantId)).reflectionRequired) continue;
    const goals = mine.flatMap(({ plan, r }) => r.completed.map((id) => ({ plan, goal: findGoal(plan, id) })).filter(({ goal }) => !goal.reflections.length));
    await notices.notifyEach(
      tenantId,
      goals.map(({ plan, goal }) => ({
        userId: plan.userId,
        kind: 'reflection.nudge',
        title: 'Add a reflection to your completed goal',
        body: `What did you learn, and how will it change your practice? (${goal.statement.slice(0, 80)})`,
        link: `/plans/${plan._id}/goals/${goal._id}`,
        dedupeKey: `reflection.nudge:${goal._id}`,
      })),
    );
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
