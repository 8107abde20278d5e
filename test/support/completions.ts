import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as plans from '../../src/plans/service';
import * as completions from '../../src/completions/service';
import type { CompletionEventDoc } from '../../src/completions/service';
import type { Session } from './harness';

type Id = Types.ObjectId;

/** The district's framework and sample catalog, with the first LMS-course activities linked to these course ids. */
export async function sampleCatalog(tenantId: Id, lmsCourseIds: string[]): Promise<catalog.ActivityDoc[]> {
  await frameworks.ensureSampleFramework(tenantId);
  await catalog.ensureSampleCatalog(tenantId, { lmsCourseIds });
  return catalog.listActivities(tenantId, { includeRetired: true });
}

/** A teacher's draft plan (current) with one goal holding these catalog activities. */
export async function planWith(tenantId: Id, who: { userId: Id; name: string }, activities: catalog.ActivityDoc[]): Promise<{ planId: Id; goalId: Id }> {
  const plan = await plans.ensureDraftPlan(tenantId, who.userId, who);
  const targetDate = new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10);
  const goal = await plans.addGoal(tenantId, plan._id, { statement: 'Finish the district courses on classroom practice', competency: activities[0]!.competencies[0], targetLevel: '3', measure: 'Course completed', targetDate }, who);
  for (const a of activities) await plans.addCatalogActivity(tenantId, plan._id, goal._id, { activityId: String(a._id) }, who);
  return { planId: plan._id, goalId: goal._id };
}

/** The plan activity of a catalog activity in the person's current plan. */
export async function planActivity(tenantId: Id, userId: Id, activityId: Id) {
  const plan = await plans.currentPlan(tenantId, userId);
  return plan?.goals.flatMap((g) => g.activities).find((a) => a.activityId?.equals(activityId));
}

/** Issues a hook source's secrets through the PD-staff page and reads them off the page shown once. */
export async function issueSecrets(staff: Session, kind: 'canvas-live' | 'webhook'): Promise<{ url: string; signingSecret?: string; page: string }> {
  const res = await staff.post(`/completions/sources/${kind}/secrets`);
  if (res.status !== 200) throw new Error(`issuing secrets answered ${res.status}: ${res.text.slice(0, 300)}`);
  const url = /id="hook-url">([^<]+)</.exec(res.text)?.[1]?.replace(/&amp;/g, '&');
  const signingSecret = /id="signing-secret">([^<]+)</.exec(res.text)?.[1];
  if (!url) throw new Error('no delivery URL on the page');
  return { url, signingSecret, page: res.text };
}

/** Waits for the background processing the deliveries started, then reads the ledger. */
export async function ledger(tenantId: Id, filter: completions.LedgerFilter = {}): Promise<CompletionEventDoc[]> {
  await completions.settled();
  return completions.listEvents(tenantId, filter);
}
