import { Types } from 'mongoose';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import { PROCESS_OWNER } from '../../jobs/lease';
import { logger } from '../../log';
import * as notifications from '../../notifications/service';
import * as plans from '../../plans/service';
import * as tenants from '../../tenants/service';
import * as users from '../../users/service';
import type { UserDoc } from '../../users/service';
import { CompletionEvent, CompletionEventDoc, CompletionMapping, CompletionMappingDoc, EventStatus, PENDING_STATUSES, SourceKind, UserIdKind } from '../model';
import { applyOutcome, courseInWords, fallsBackToEmail, planSource, retryDelayMs, unmatchedCourseReason, unmatchedPersonReason } from '../rules';
import { entry, inBackground, LEASE_MS, leaseFree, pushTimeline, TimelineEntry } from './common';

// Processing: match the person and the activity, then apply to every current plan.

/** Starts matching these events now, in the background (the delivery has already been answered). */
export function processSoon(tenantId: TenantId, eventIds: Types.ObjectId[]): void {
  if (!eventIds.length) return;
  inBackground('processing', async () => {
    for (const id of eventIds) await processEvent(tenantId, id);
  });
}

interface Claimed {
  event: CompletionEventDoc;
  lease: string;
}

/** Takes the event for this processor if it is pending and nobody holds it (conditional update). */
async function claim(tenantId: TenantId, eventId: Types.ObjectId, now: Date): Promise<Claimed | undefined> {
  const lease = `${PROCESS_OWNER}:${new Types.ObjectId().toHexString()}`;
  const event = await CompletionEvent.findOneAndUpdate(
    scoped(tenantId, { _id: eventId, status: { $in: PENDING_STATUSES }, ...leaseFree(now) }),
    { $set: { leaseOwner: lease, leaseUntil: new Date(now.getTime() + LEASE_MS) }, $inc: { attempts: 1 } },
    { new: true },
  ).lean<CompletionEventDoc>();
  return event ? { event, lease } : undefined;
}

async function matchPerson(tenantId: TenantId, ev: CompletionEventDoc): Promise<UserDoc | null> {
  const byId = await users.findByAlias(tenantId, ev.userIdKind as UserIdKind, ev.lmsUserId);
  if (byId || !fallsBackToEmail(ev)) return byId;
  return users.findByAlias(tenantId, 'email', ev.userEmail!);
}

/** The event's activity, else the course's explicit mapping, else the catalog activities naming the LMS course. */
async function matchActivities(tenantId: TenantId, ev: CompletionEventDoc): Promise<catalog.ActivityDoc[]> {
  if (ev.activityId) return catalog.getActivities(tenantId, [ev.activityId]);
  const mapping = await CompletionMapping.findOne(scoped(tenantId, { system: ev.system, courseId: ev.courseId })).lean<CompletionMappingDoc>();
  if (mapping) return catalog.getActivities(tenantId, [mapping.activityId]);
  return ev.system === 'lms' && ev.courseId ? catalog.activitiesForLmsCourse(tenantId, ev.courseId) : [];
}

interface Outcome {
  status: EventStatus;
  reason: string;
  set: Record<string, unknown>;
  entries: TimelineEntry[];
}

function unmatched(status: 'unmatched-course' | 'unmatched-user', reason: string): Outcome {
  return { status, reason, set: {}, entries: [entry(status, reason)] };
}

/**
 * Finds what and who the event is about (the course first: PD staff can act on an unmapped course at
 * once); persists "matched" so a crash after this resumes from here.
 */
async function match(tenantId: TenantId, c: Claimed): Promise<Outcome | { userId: Types.ObjectId; activityIds: Types.ObjectId[] }> {
  const ev = c.event;
  if (ev.status === 'matched' && ev.userId && ev.activityIds.length) return { userId: ev.userId, activityIds: ev.activityIds };
  const activities = await matchActivities(tenantId, ev);
  if (!activities.length) return unmatched('unmatched-course', unmatchedCourseReason(ev));
  const person = await matchPerson(tenantId, ev);
  if (!person) return unmatched('unmatched-user', unmatchedPersonReason(ev));
  const activityIds = activities.map((a) => a._id);
  const detail = `${person.name || person.aliases?.email || 'Person'} → ${activities.map((a) => a.title).join(', ')}`;
  const saved = await CompletionEvent.updateOne(scoped(tenantId, { _id: ev._id, leaseOwner: c.lease }), { $set: { status: 'matched', reason: '', userId: person._id, activityIds }, $push: pushTimeline(entry('matched', detail)) });
  if (!saved.modifiedCount) throw new Error('lease lost while matching');
  return { userId: person._id, activityIds };
}

/** The one place completions reach plans: monotonic and idempotent on the plans side. */
async function applyToPlans(tenantId: TenantId, ev: CompletionEventDoc, userId: Types.ObjectId, activityIds: Types.ObjectId[]) {
  const results = [];
  for (const activityId of activityIds) {
    const r = await plans.applyActivityCompletion(tenantId, { userId, activityId, completedAt: ev.completedAt, source: planSource(ev.source as SourceKind), eventId: ev._id, hours: ev.hours ?? undefined });
    results.push({ activityId, ...r });
  }
  return results;
}

async function apply(tenantId: TenantId, ev: CompletionEventDoc, userId: Types.ObjectId, activityIds: Types.ObjectId[]): Promise<Outcome> {
  const results = await applyToPlans(tenantId, ev, userId, activityIds);
  const applied = results.flatMap((r) => r.applied.map((a) => ({ activityId: r.activityId, planId: a.planId, goalId: a.goalId })));
  const { status, step, reason } = applyOutcome(results, ev.applied?.length ?? 0);
  return { status, reason, set: { userId, activityIds, applied: [...(ev.applied ?? []), ...applied] }, entries: [entry(step, reason)] };
}

/** Records the decision if this processor still holds the lease; false when it no longer does. */
async function finish(tenantId: TenantId, c: Claimed, outcome: Outcome): Promise<boolean> {
  const saved = await CompletionEvent.updateOne(scoped(tenantId, { _id: c.event._id, leaseOwner: c.lease }), {
    $set: { status: outcome.status, reason: outcome.reason, ...outcome.set },
    $unset: { leaseOwner: 1, leaseUntil: 1, nextAttemptAt: 1, lastError: 1 },
    $push: pushTimeline(...outcome.entries),
  });
  return saved.modifiedCount === 1;
}

/** Leaves the event pending with a growing delay; the processor job tries again. */
async function retryLater(tenantId: TenantId, c: Claimed, err: unknown, now: Date): Promise<void> {
  const message = (err as Error).message ?? String(err);
  const delay = retryDelayMs(c.event.attempts);
  logger().error({ err, eventId: String(c.event._id) }, 'completion event failed; will retry');
  await CompletionEvent.updateOne(scoped(tenantId, { _id: c.event._id, leaseOwner: c.lease }), {
    $set: { lastError: message, nextAttemptAt: new Date(now.getTime() + delay) },
    $unset: { leaseOwner: 1, leaseUntil: 1 },
    $push: pushTimeline(entry('error', `${message}; retrying in ${Math.round(delay / 1000)} s`)),
  });
}

async function notifyApplied(tenantId: TenantId, ev: CompletionEventDoc, outcome: Outcome, userId: Types.ObjectId): Promise<void> {
  if (outcome.status !== 'applied' || !(outcome.set.applied as unknown[]).length) return;
  await notifications.notify(tenantId, {
    userId,
    kind: 'completion.synced',
    title: `${courseInWords(ev)} was completed in your LMS`,
    body: 'It is marked done in your plan.',
    dedupeKey: `completion:${String(ev._id)}`,
  });
}

/**
 * Processes one event if it is pending and free: at most one processor works on it at a time,
 * and a crash anywhere leaves it pending for the processor job (plans apply idempotently).
 */
export async function processEvent(tenantId: TenantId, eventId: Types.ObjectId, now = new Date()): Promise<EventStatus | undefined> {
  const c = await claim(tenantId, eventId, now);
  if (!c) return undefined;
  try {
    const matched = await match(tenantId, c);
    if ('status' in matched) return (await finish(tenantId, c, matched)) ? matched.status : undefined;
    const outcome = await apply(tenantId, c.event, matched.userId, matched.activityIds);
    const decided = await finish(tenantId, c, outcome);
    await notifyApplied(tenantId, c.event, outcome, matched.userId); // deduplicated per event
    // false: the lease ran out (a stalled process) and the processor that took it over decides the event.
    return decided ? outcome.status : undefined;
  } catch (err) {
    await retryLater(tenantId, c, err, now);
    return undefined;
  }
}

/**
 * The processor job: events left received or matched (a crash, a restart, a failed try) in every
 * tenant. `asOf` is the clock the job reads; leases and retry times are compared with it.
 */
export async function processPending(opts: { asOf?: Date; limit?: number } = {}): Promise<number> {
  const asOf = opts.asOf ?? new Date();
  let processed = 0;
  for (const tenant of await tenants.listTenants()) {
    const due = await CompletionEvent.find(
      scoped(tenant._id, {
        status: { $in: PENDING_STATUSES },
        $and: [{ $or: [{ nextAttemptAt: { $exists: false } }, { nextAttemptAt: null }, { nextAttemptAt: { $lte: asOf } }] }, leaseFree(asOf)],
      }),
    )
      .sort({ receivedAt: 1 })
      .limit(opts.limit ?? 200)
      .select('_id')
      .lean<{ _id: Types.ObjectId }[]>();
    for (const { _id } of due) if (await processEvent(tenant._id, _id, asOf)) processed++;
  }
  return processed;
}
