import { TenantId } from '../../db/tenancy';
import * as catalog from '../../catalog/service';
import * as credit from '../../credit/service';
import * as notices from '../../notifications/service';
import * as plans from '../../plans/service';
import * as sessions from '../../sessions/service';
import * as tenants from '../../tenants/service';
import { count, date, dateTime } from '../../web/format';
import { remindsNow, renewalReminder } from '../rules';

// Reminders nobody's action causes: written as notices (so they are also emailed, where wanted), each
// once by its dedupe key however often the hourly job runs.

const DAY = 86_400_000;

/** Everyone seated in a session that starts within a day. */
async function remindSessions(tenantId: TenantId, timeZone: string, now: Date): Promise<void> {
  for (const s of await sessions.listSessions(tenantId, { from: now, until: new Date(now.getTime() + 2 * DAY) })) {
    if (s.status !== 'scheduled' || !remindsNow(s.startsAt, now)) continue;
    const activity = await catalog.getActivity(tenantId, s.activityId);
    const place = s.place || (s.onlineUrl ? 'online' : '');
    for (const r of (await sessions.rosterOf(tenantId, s._id)).seated) {
      await notices.notify(tenantId, {
        userId: r.userId,
        kind: 'session.reminder',
        title: `Coming up: ${activity.title}`,
        body: `${dateTime(s.startsAt, undefined, timeZone)}${place ? `, ${place}` : ''}.`,
        link: `/sessions/${s._id}`,
        dedupeKey: `session.reminder:${s._id}:${s.startsAt.getTime()}:${r.userId}`,
      });
    }
  }
}

/** Teachers whose plan review is due, once per plan and review. */
async function remindReviews(tenantId: TenantId): Promise<void> {
  for (const due of await plans.reportReviewsDue(tenantId, {})) {
    await notices.notify(tenantId, {
      userId: due.userId,
      kind: 'review.due',
      title: due.review.kind === 'final' ? 'Your end-of-period plan review is due' : 'Your annual plan review is due',
      body: `It was due on ${date(due.review.dueAt)}. Reflect on each goal and rate yourself again.`,
      link: `/plans/${due.planId}`,
      dedupeKey: `review.due:${due.planId}:${due.review.kind}`,
    });
  }
}

/** Teachers whose renewal is coming due and not met, at 180 and at 30 days left. */
async function remindRenewals(tenantId: TenantId, now: Date): Promise<void> {
  for (const r of await credit.renewalsOfDistrict(tenantId, now)) {
    const days = renewalReminder(r.progress.daysLeft, r.progress.status === 'met');
    if (!days) continue;
    await notices.notify(tenantId, {
      userId: r.user._id,
      kind: 'renewal.due',
      title: `${r.rule.name}: due in ${count(r.progress.daysLeft, 'day')}`,
      body: `You still need ${r.progress.remaining} more of the ${r.progress.required} this renewal requires. Your transcript shows what counts.`,
      link: '/my-transcript',
      dedupeKey: `renewal.due:${r.user._id}:${r.progress.cycle.end.getTime()}:${days}`,
    });
  }
}

/** The hourly reminders job, for every district. */
export async function sendReminders(now = new Date()): Promise<void> {
  for (const tenant of await tenants.listTenants()) {
    const timeZone = tenant.policy?.timeZone ?? 'UTC';
    await remindSessions(tenant._id, timeZone, now);
    await remindReviews(tenant._id);
    await remindRenewals(tenant._id, now);
  }
}
