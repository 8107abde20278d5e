import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import { TenantId } from '../../db/tenancy';
import { Conflict } from '../../kernel/errors';
import type { PlanDoc } from '../model';
import { carriedGoal, planProgress, requireStatus, reviewKindNow, STRUCTURE_EDITABLE } from '../rules';
import { notifyCoaches } from './announcements';
import { ChangedBy, checkbox, ensureDraftPlan, Id, mutatePlan, numberField, parse, statusChanged, text } from './common';
import { getPlan } from './reading';

// ---------------------------------------------------------------------------------------------
// Lifecycle: commitment, review, continue, renew (submitting and approving are in approval.ts)

const CommitmentFields = z.object({
  agreed: checkbox.refine((v) => v, 'Tick the box to agree to the time commitment'),
  text: text(10, 2000, 'Describe the time you commit (at least 10 characters)'),
});

/** Saves the agreed time commitment; the same text agreed again changes nothing. */
export async function setCommitment(tenantId: TenantId, planId: Id, raw: unknown, by: ChangedBy): Promise<void> {
  const input = parse(CommitmentFields, raw, 'commitment');
  const { result: changed } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, STRUCTURE_EDITABLE, 'change the commitment');
    if (p.commitment?.agreed && p.commitment.text === input.text) return false;
    p.commitment = { agreed: true, text: input.text, at: new Date() };
    return true;
  });
  if (changed) await audit.record(tenantId, { actor: by, action: 'plan.commitment', subject: { kind: 'plan', id: planId }, after: { agreed: true } });
}

export interface ReviewInput {
  summary: string;
  goals: Record<string, { reflection: string; selfLevel?: number }>;
}

const reviewLevel = z.preprocess(numberField, z.number('Rate yourself from 1 to 4').int().min(1, 'Rate yourself from 1 to 4').max(4, 'Rate yourself from 1 to 4'));

function reviewSchema(plan: PlanDoc) {
  const goals = Object.fromEntries(
    plan.goals.map((g) => [String(g._id), z.object({ reflection: text(3, 4000, 'Reflect on this goal (at least 3 characters)'), selfLevel: g.competency ? reviewLevel : reviewLevel.optional() })]),
  );
  return z.object({ summary: z.string().trim().max(4000, 'Keep it under 4000 characters').default(''), goals: z.preprocess((v) => v ?? {}, z.object(goals)) });
}

/** The annual or end-of-period review: a reflection and self re-rating per goal; the plan goes in review. */
export async function completeReview(tenantId: TenantId, planId: Id, raw: unknown, by: ChangedBy): Promise<void> {
  const plan = await getPlan(tenantId, planId);
  requireStatus(plan, ['active'], 'write a review');
  const input = parse(reviewSchema(plan), raw, 'review');
  const kind = reviewKindNow(plan);
  const review = {
    _id: new Types.ObjectId(),
    kind,
    summary: input.summary,
    completedAt: new Date(),
    goals: plan.goals.map((g) => ({ goalId: g._id, competency: g.competency ?? '', reflection: input.goals[String(g._id)]!.reflection, selfLevel: input.goals[String(g._id)]!.selfLevel })),
  } as PlanDoc['reviews'][number];
  const { plan: saved } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['active'], 'write a review');
    p.reviews.push(review);
    p.status = 'in-review';
  });
  await statusChanged(saved, 'review-started', by, `${kind} review`, 'active');
  await notifyCoaches(saved, { kind: 'review.completed', title: `${by.name} completed their ${kind === 'annual' ? 'annual' : 'end-of-period'} review`, link: `/plans/${planId}` });
}

/** After an annual review the plan carries on. */
export async function continuePlan(tenantId: TenantId, planId: Id, by: ChangedBy): Promise<void> {
  const { plan } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['in-review'], 'continue the plan');
    if (p.periodEnd <= new Date()) throw new Conflict('The plan period is over; renew it to start the next plan.');
    p.status = 'active';
  });
  await statusChanged(plan, 'resumed', by, undefined, 'in-review');
}

/**
 * Ends a reviewed plan (completed when every goal is, else closed) and starts the next draft with the
 * unfinished goals carried over, their done activities dropped.
 */
export async function renewPlan(tenantId: TenantId, planId: Id, by: ChangedBy): Promise<PlanDoc> {
  const { plan: ended } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, ['in-review'], 'renew');
    p.status = p.goals.length && p.goals.every((g) => g.status === 'completed') ? 'completed' : 'closed';
    p.current = false;
    p.endedAt = new Date();
  });
  await statusChanged(ended, ended.status, by, undefined, 'in-review');
  const carried = ended.goals.filter((g) => g.status !== 'completed').map(carriedGoal);
  const next = await ensureDraftPlan(tenantId, ended.userId, by);
  const { plan } = await mutatePlan(tenantId, next._id, (p) => {
    p.previousPlanId = ended._id;
    const present = new Set(p.goals.map((g) => String(g.origin?.fromGoalId)));
    p.goals.push(...carried.filter((g) => !present.has(String(g.origin?.fromGoalId))));
    p.progress = planProgress(p);
  });
  await statusChanged(plan, 'renewed', by, `${carried.length} unfinished goal(s) carried over`);
  return plan;
}
