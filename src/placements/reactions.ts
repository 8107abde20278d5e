import { scoped } from '../db/tenancy';
import { DomainEvents, on } from '../events';
import * as outbox from '../outbox/service';
import { GradeBack } from './model';
import { deliverLineItem, deliverScore, syncPerson } from './service';

// Grade-back: progress and badges become scores queued for the LMS gradebook columns placed in a course.

export async function queuePlanScoreOnProgress(e: DomainEvents['plan.progress']): Promise<void> {
  await syncPerson(e.tenantId, e.userId, ['plan']);
}

export async function queueGoalScoresOnProgress(e: DomainEvents['goal.progress']): Promise<void> {
  await syncPerson(e.tenantId, e.userId, ['goal', 'pathway']);
}

export async function queueBadgeScoreOnIssue(e: DomainEvents['credential.issued']): Promise<void> {
  await syncPerson(e.tenantId, e.userId, ['badge']);
}

/** A deleted person's grade-back history goes with the rest of their data. */
export async function forgetPersonsGrades({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await GradeBack.deleteMany(scoped(tenantId, { userId }));
}

export function registerPlacementReactions(): void {
  on('plan.progress', queuePlanScoreOnProgress);
  on('goal.progress', queueGoalScoresOnProgress);
  on('credential.issued', queueBadgeScoreOnIssue);
  outbox.registerHandler('ags-lineitem', deliverLineItem);
  outbox.registerHandler('ags-score', deliverScore);
  on('user.data-deleted', forgetPersonsGrades);
}
