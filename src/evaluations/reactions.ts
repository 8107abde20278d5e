import { DomainEvents, on } from '../events';
import * as notifications from '../notifications/service';
import * as sessions from '../sessions/service';
import { askedOf, forgetResponses, holdsCredit } from './service';

// What evaluations do on other features' events, and the port sessions ask before crediting attendance.

/** After attendance the participant is asked for their evaluation (once per session), when a form applies. */
export async function askForEvaluation({ tenantId, sessionId, activityId, userId }: DomainEvents['session.attended']): Promise<void> {
  const asked = await askedOf(tenantId, { sessionId, activityId, userId });
  if (!asked || asked.submitted) return;
  await notifications.notify(tenantId, {
    userId,
    kind: 'evaluation-asked',
    title: asked.required ? 'Evaluate your session to receive its credit' : 'How did your session go?',
    body: asked.required ? 'This activity is marked done in your plan once you submit its short evaluation.' : 'A short evaluation helps the district improve its sessions.',
    link: asked.path,
    dedupeKey: `evaluation:${sessionId}:${userId}`,
  });
}

/** A deleted person's answers go with the rest of their data. */
export async function forgetPersonsEvaluations({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await forgetResponses(tenantId, userId);
}

export function registerEvaluationReactions(): void {
  sessions.useEvaluations({ holdsCredit, askedOf });
  on('session.attended', askForEvaluation);
  on('user.data-deleted', forgetPersonsEvaluations);
}
