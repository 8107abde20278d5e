import * as catalog from '../catalog/service';
import { byTenant, scoped } from '../db/tenancy';
import { DomainEvents, on, onMany } from '../events';
import { NotFound } from '../kernel/errors';
import * as outbox from '../outbox/service';
import type { Delivery, OutboxMessageDoc } from '../outbox/service';
import { Credential } from './model';
import { award, requestAwards } from './service/issuing';

// What credentials do on other features' events, and the outbox message that issues a badge.

/** Each completed goal with a badge attached asks for the badge. */
export async function awardBadgesWhenGoalsComplete(events: DomainEvents['goal.completed'][]): Promise<void> {
  for (const [tenantId, mine] of byTenant(events)) {
    const awards = mine.flatMap((e) => {
      if (!e.achievementId) return [];
      const source = { kind: 'goal' as const, planId: String(e.planId), goalId: String(e.goalId), ...(e.pathwayId ? { pathwayId: String(e.pathwayId) } : {}) };
      return [{ req: { achievementId: String(e.achievementId), userId: String(e.userId), source }, label: 'Badge for a completed goal' }];
    });
    await requestAwards(tenantId, awards);
  }
}

/** Each completed micro-credential activity asks for the badge it awards (the activities read once per batch). */
export async function awardBadgesWhenMicroCredentialsComplete(events: DomainEvents['activity.completed'][]): Promise<void> {
  for (const [tenantId, mine] of byTenant(events)) {
    const activities = await catalog.activitiesById(tenantId, mine.map((e) => e.activityId));
    const awards = mine.flatMap((e) => {
      const activity = activities.get(String(e.activityId));
      if (!activity || activity.kind !== 'micro-credential' || !activity.achievementId) return [];
      const source = { kind: 'activity' as const, planId: String(e.planId), goalId: String(e.goalId), activityId: String(activity._id) };
      return [{ req: { achievementId: String(activity.achievementId), userId: String(e.userId), source }, label: `Badge for ${activity.title}` }];
    });
    await requestAwards(tenantId, awards);
  }
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
  onMany('goal.completed', awardBadgesWhenGoalsComplete);
  onMany('activity.completed', awardBadgesWhenMicroCredentialsComplete);
  on('user.data-deleted', forgetPersonsCredentials);
  outbox.registerHandler('badge-issue', issueQueuedBadge);
}
