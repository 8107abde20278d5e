import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import { TenantId } from '../../db/tenancy';
import { NotFound } from '../../kernel/errors';
import * as notices from '../../notifications/service';
import type { GoalDoc, ReflectionDoc } from '../model';
import { PROGRESS_OPEN, recompute, requireStatus } from '../rules';
import { announceProgress, notifyCoaches } from './announcements';
import { blank, ChangedBy, checkbox, Id, mutatePlan, parse, text, trimmed } from './common';
import { findGoal, findPlanActivity } from './reading';

// ---------------------------------------------------------------------------------------------
// Reflections and coaching feedback

const ReflectionFields = z.object({
  planActivityId: z.preprocess((v) => blank(trimmed(v)), z.string().regex(/^[a-f0-9]{24}$/i, 'Choose an activity of this goal').optional()),
  learned: text(3, 4000, 'Write what you learned'),
  practice: text(3, 4000, 'Write how it will change your practice'),
  impact: z.string().trim().max(4000, 'Keep it under 4000 characters').default(''),
  shared: checkbox.default(false),
});

/** A reflection on a goal or one of its activities; adding one can complete a goal that waited for it. */
export async function addReflection(tenantId: TenantId, planId: Id, goalId: Id, raw: unknown, by: ChangedBy): Promise<ReflectionDoc> {
  const input = parse(ReflectionFields, raw, 'reflection');
  const reflection = {
    _id: new Types.ObjectId(),
    ...(input.planActivityId ? { planActivityId: new Types.ObjectId(input.planActivityId) } : {}),
    learned: input.learned,
    practice: input.practice,
    impact: input.impact,
    shared: input.shared,
    at: new Date(),
  } as ReflectionDoc;
  const { plan, result } = await mutatePlan(tenantId, planId, (p) => {
    requireStatus(p, PROGRESS_OPEN, 'add reflections');
    const goal = findGoal(p, goalId);
    if (input.planActivityId) findPlanActivity(goal, input.planActivityId);
    goal.reflections.push(reflection);
    return { ...recompute(p, [goal._id], false), completedActivities: [] };
  });
  await audit.record(tenantId, { actor: by, action: 'reflection.added', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), shared: input.shared } });
  await notifyCoaches(plan, { kind: 'reflection.added', title: `${by.name} added a reflection`, link: `/plans/${planId}/goals/${goalId}` });
  await announceProgress(plan, result);
  return reflection;
}

/** The teacher shares a reflection with PD staff, or makes it private again. */
export async function setReflectionShared(tenantId: TenantId, planId: Id, goalId: Id, reflectionId: Id, shared: boolean, by: ChangedBy): Promise<void> {
  await mutatePlan(tenantId, planId, (p) => {
    const reflection = findGoal(p, goalId).reflections.find((r) => r._id.equals(reflectionId));
    if (!reflection) throw new NotFound('That reflection');
    reflection.shared = shared;
  });
  await audit.record(tenantId, { actor: by, action: shared ? 'reflection.shared' : 'reflection.unshared', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId) } });
}

const FeedbackFields = z.object({ text: text(1, 4000, 'Write your message') });

/** A message in a goal's coaching thread, from the coach or the teacher; the other side is told. */
export async function addFeedback(tenantId: TenantId, planId: Id, goalId: Id, raw: unknown, by: ChangedBy & { role: 'coach' | 'teacher' }): Promise<void> {
  const input = parse(FeedbackFields, raw, 'message');
  const { plan } = await mutatePlan(tenantId, planId, (p) => {
    findGoal(p, goalId).feedback.push({ _id: new Types.ObjectId(), authorId: by.userId, authorName: by.name, authorRole: by.role, text: input.text, at: new Date() } as GoalDoc['feedback'][number]);
  });
  await audit.record(tenantId, { actor: by, action: 'feedback.added', subject: { kind: 'plan', id: planId }, after: { goalId: String(goalId), role: by.role } });
  const notice = { kind: 'feedback', title: by.role === 'coach' ? `${by.name} left feedback on your goal` : `${by.name} replied on their goal`, link: `/plans/${planId}/goals/${goalId}` };
  if (by.role === 'coach') await notices.notify(tenantId, { userId: plan.userId, ...notice });
  else await notifyCoaches(plan, notice);
}
