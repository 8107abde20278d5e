import { Types } from 'mongoose';
import { byTenant, scoped } from '../db/tenancy';
import { DomainEvents, on, onMany } from '../events';
import * as outbox from '../outbox/service';
import { GradeBack } from './model';
import { deliverLineItem, deliverScore, syncPeople } from './service';

// Grade-back: progress and badges become scores queued for the LMS gradebook columns placed in a course.

/** Progress events of a batch: each person's columns are worked once, however many of their goals moved. */
const people = (events: { tenantId: Types.ObjectId; userId: Types.ObjectId }[]) => byTenant(events).map(([tenantId, mine]) => [tenantId, mine.map((e) => e.userId)] as const);

export async function queuePlanScoresOnProgress(events: DomainEvents['plan.progress'][]): Promise<void> {
  for (const [tenantId, userIds] of people(events)) await syncPeople(tenantId, userIds, ['plan']);
}

export async function queueGoalScoresOnProgress(events: DomainEvents['goal.progress'][]): Promise<void> {
  for (const [tenantId, userIds] of people(events)) await syncPeople(tenantId, userIds, ['goal', 'pathway']);
}

export async function queueBadgeScoreOnIssue(e: DomainEvents['credential.issued']): Promise<void> {
  await syncPeople(e.tenantId, [e.userId], ['badge']);
}

/** A deleted person's grade-back history goes with the rest of their data. */
export async function forgetPersonsGrades({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await GradeBack.deleteMany(scoped(tenantId, { userId }));
}

export function registerPlacementReactions(): void {
  onMany('plan.progress', queuePlanScoresOnProgress);
  onMany('goal.progress', queueGoalScoresOnProgress);
  on('credential.issued', queueBadgeScoreOnIssue);
  outbox.registerHandler('ags-lineitem', deliverLineItem);
  outbox.registerHandler('ags-score', deliverScore);
  on('user.data-deleted', forgetPersonsGrades);
}
