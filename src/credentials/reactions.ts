import * as catalog from '../catalog/service';
import { scoped } from '../db/tenancy';
import { DomainEvents, on } from '../events';
import { NotFound } from '../kernel/errors';
import * as outbox from '../outbox/service';
import type { Delivery, OutboxMessageDoc } from '../outbox/service';
import { Credential } from './model';
import { award, requestAward } from './service/issuing';

// What credentials do on other features' events, and the outbox message that issues a badge.

/** A completed goal with a badge attached asks for the badge. */
export async function awardBadgeWhenGoalCompletes(e: DomainEvents['goal.completed']): Promise<void> {
  if (!e.achievementId) return;
  const source = { kind: 'goal' as const, planId: String(e.planId), goalId: String(e.goalId), ...(e.pathwayId ? { pathwayId: String(e.pathwayId) } : {}) };
  await requestAward(e.tenantId, { achievementId: String(e.achievementId), userId: String(e.userId), source }, 'Badge for a completed goal');
}

/** A completed micro-credential activity asks for the badge it awards. */
export async function awardBadgeWhenMicroCredentialCompletes(e: DomainEvents['activity.completed']): Promise<void> {
  const activity = await catalog.getActivity(e.tenantId, e.activityId).catch(() => undefined);
  if (!activity || activity.kind !== 'micro-credential' || !activity.achievementId) return;
  const source = { kind: 'activity' as const, planId: String(e.planId), goalId: String(e.goalId), activityId: String(activity._id) };
  await requestAward(e.tenantId, { achievementId: String(activity.achievementId), userId: String(e.userId), source }, `Badge for ${activity.title}`);
}

/** Delivers a queued badge-issue message. */
export async function issueQueuedBadge(m: OutboxMessageDoc): Promise<Delivery> {
  try {
    const { credential, reason } = await award(m.tenantId, m.payload);
    return credential ? { outcome: 'done' } : { outcome: 'not-applicable', reason: reason ?? 'Not awarded' };
  } catch (err) {
    // The person or the achievement was deleted meanwhile: nothing left to award.
    if (err instanceof NotFound) return { outcome: 'not-applicable', reason: err.message };
    throw err;
  }
}

/** The person's badges are removed with the rest of their data; their verify pages then answer "not found". */
export async function forgetPersonsCredentials({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await Credential.deleteMany(scoped(tenantId, { userId }));
}

export function registerCredentialReactions(): void {
  on('goal.completed', awardBadgeWhenGoalCompletes);
  on('activity.completed', awardBadgeWhenMicroCredentialCompletes);
  on('user.data-deleted', forgetPersonsCredentials);
  outbox.registerHandler('badge-issue', issueQueuedBadge);
}
