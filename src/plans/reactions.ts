import { DomainEvents, on } from '../events';
import * as notices from '../notifications/service';

// What plans do when other features' events happen.

/** Milestone: a badge earned (credentials emit credential.issued) is celebrated in-app. */
export async function celebrateEarnedBadge(e: DomainEvents['credential.issued']): Promise<void> {
  await notices.notify(e.tenantId, { userId: e.userId, kind: 'badge.earned', title: 'You earned a badge!', body: 'It is on your badge wall, ready to share or add to your backpack.', link: '/badges', celebrate: true, dedupeKey: `badge.earned:${e.credentialId}` });
}

export function registerPlanReactions(): void {
  on('credential.issued', celebrateEarnedBadge);
}
