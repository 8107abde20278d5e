import { Types } from 'mongoose';
import { scoped, TenantId } from '../../db/tenancy';
import { PROCESS_OWNER } from '../../jobs/lease';
import { logger } from '../../log';
import * as notifications from '../../notifications/service';
import * as plans from '../../plans/service';
import * as tenants from '../../tenants/service';
import { CompletionEvent, CompletionEventDoc, EventStatus, PENDING_STATUSES, SourceKind } from '../model';
import { applyOutcome, courseInWords, planSource, retryDelayMs, unmatchedCourseReason, unmatchedPersonReason } from '../rules';
import { entry, inBackground, LEASE_MS, leaseFree, pushTimeline, TimelineEntry } from './common';
import { BatchMatcher } from './matching';

// Processing: match the person and the activity, then apply to every current plan. Events are worked in
// batches: one conditional update claims them, each lookup is made once, and the decisions are written together.

/** Events worked at a time: one claim, one "matched" write and one decision write for all of them. */
export const BATCH_SIZE = 100;

/**
 * Batches the processor job works at once: while one waits for the database, the other is worked here, so
 * the database and the processor are both busy. Their events differ (each batch claims its own).
 */
const BATCHES_AT_ONCE = 3;

/** Starts matching these events now, in the background (the delivery has already been answered). */
export function processSoon(tenantId: TenantId, eventIds: Types.ObjectId[]): void {
  if (!eventIds.length) return;
  inBackground('processing', async () => {
    for (let i = 0; i < eventIds.length; i += BATCH_SIZE) await processBatch(tenantId, eventIds.slice(i, i + BATCH_SIZE));
  });
}

interface Claimed {
  event: CompletionEventDoc;
  lease: string;
}

/** Takes the events for this processor that are pending and held by nobody (one conditional update). */
async function claim(tenantId: TenantId, eventIds: Types.ObjectId[], now: Date): Promise<Claimed[]> {
  const lease = `${PROCESS_OWNER}:${new Types.ObjectId().toHexString()}`;
  const taken = await CompletionEvent.updateMany(
    scoped(tenantId, { _id: { $in: eventIds }, status: { $in: PENDING_STATUSES }, ...leaseFree(now) }),
    { $set: { leaseOwner: lease, leaseUntil: new Date(now.getTime() + LEASE_MS) }, $inc: { attempts: 1 } },
  );
  if (!taken.modifiedCount) return [];
  const events = await CompletionEvent.find(scoped(tenantId, { _id: { $in: eventIds }, leaseOwner: lease })).lean<CompletionEventDoc[]>();
  return events.map((event) => ({ event, lease }));
}

interface Outcome {
  status: EventStatus;
  reason: string;
  set: Record<string, unknown>;
  entries: TimelineEntry[];
}

interface Matched {
  userId: Types.ObjectId;
  activityIds: Types.ObjectId[];
  detail?: string;
}

function unmatched(status: 'unmatched-course' | 'unmatched-user', reason: string): Outcome {
  return { status, reason, set: {}, entries: [entry(status, reason)] };
}

/** Finds what and who the event is about (the course first: PD staff can act on an unmapped course at once). */
async function match(ev: CompletionEventDoc, matcher: BatchMatcher): Promise<Outcome | Matched> {
  if (ev.status === 'matched' && ev.userId && ev.activityIds.length) return { userId: ev.userId, activityIds: ev.activityIds };
  const activities = await matcher.activitiesOf(ev);
  if (!activities.length) return unmatched('unmatched-course', unmatchedCourseReason(ev));
  const person = matcher.person(ev);
  if (!person) return unmatched('unmatched-user', unmatchedPersonReason(ev));
  const detail = `${person.name || person.aliases?.email || 'Person'} → ${activities.map((a) => a.title).join(', ')}`;
  return { userId: person._id, activityIds: activities.map((a) => a._id), detail };
}

/** Persists "matched" for the newly matched events in one write, so a crash after this resumes from there; returns those still held. */
async function recordMatched(tenantId: TenantId, found: Map<Claimed, Matched>): Promise<Claimed[]> {
  const fresh = [...found].filter(([, m]) => m.detail);
  if (fresh.length) {
    const saved = await CompletionEvent.bulkWrite(
      fresh.map(([c, m]) => ({ updateOne: { filter: scoped(tenantId, { _id: c.event._id, leaseOwner: c.lease }), update: { $set: { status: 'matched', reason: '', userId: m.userId, activityIds: m.activityIds }, $push: pushTimeline(entry('matched', m.detail)) } } })),
      { ordered: false },
    );
    if (saved.modifiedCount < fresh.length) return stillHeld(tenantId, [...found.keys()]);
  }
  return [...found.keys()];
}

async function stillHeld(tenantId: TenantId, claimed: Claimed[]): Promise<Claimed[]> {
  const held = await CompletionEvent.find(scoped(tenantId, { _id: { $in: claimed.map((c) => c.event._id) }, leaseOwner: claimed[0]!.lease })).select('_id').lean<{ _id: Types.ObjectId }[]>();
  const ids = new Set(held.map((e) => String(e._id)));
  return claimed.filter((c) => ids.has(String(c.event._id)));
}

/** What applying an event to the plans amounted to; each plan goal is listed once however often the event was worked. */
function outcomeOf(ev: CompletionEventDoc, { userId, activityIds }: Matched, results: ({ activityId: Types.ObjectId } & plans.CompletionResult)[]): Outcome {
  const before = ev.applied ?? [];
  const known = new Set(before.map((a) => `${a.activityId} ${a.planId} ${a.goalId}`));
  const applied = results.flatMap((r) => r.applied.map((a) => ({ activityId: r.activityId, planId: a.planId, goalId: a.goalId }))).filter((a) => !known.has(`${a.activityId} ${a.planId} ${a.goalId}`));
  const { status, step, reason } = applyOutcome(results, before.length);
  return { status, reason, set: { userId, activityIds, applied: [...before, ...applied] }, entries: [entry(step, reason)] };
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

/**
 * The one place completions reach plans, monotonic and idempotent on the plans side: the batch's events
 * are applied together (one read and one write of the plans they touch); an event whose plan could not be
 * written, or whose listeners failed, is left for a retry.
 */
async function applyAll(tenantId: TenantId, work: { c: Claimed; m: Matched }[], now: Date): Promise<Map<Claimed, Outcome>> {
  const outcomes = new Map<Claimed, Outcome>();
  const inputs = work.flatMap(({ c: { event: ev }, m }) => m.activityIds.map((activityId) => ({ userId: m.userId, activityId, completedAt: ev.completedAt, source: planSource(ev.source as SourceKind), eventId: ev._id, hours: ev.hours ?? undefined })));
  const results = await plans.applyActivityCompletions(tenantId, inputs).catch(async (err: unknown) => {
    for (const { c } of work) await retryLater(tenantId, c, err, now);
  });
  if (!results) return outcomes;
  let next = 0;
  for (const { c, m } of work) {
    const mine = m.activityIds.map((activityId) => ({ activityId, ...results[next++]! }));
    const failed = mine.find((r) => r.failed);
    if (failed) await retryLater(tenantId, c, failed.failed, now);
    else outcomes.set(c, outcomeOf(c.event, m, mine));
  }
  return outcomes;
}

/** Records every decision in one write, each only where this processor still holds the lease; returns those recorded. */
async function finish(tenantId: TenantId, decided: Map<Claimed, Outcome>): Promise<Map<Claimed, Outcome>> {
  if (!decided.size) return decided;
  const saved = await CompletionEvent.bulkWrite(
    [...decided].map(([c, o]) => ({
      updateOne: {
        filter: scoped(tenantId, { _id: c.event._id, leaseOwner: c.lease }),
        update: { $set: { status: o.status, reason: o.reason, ...o.set, decidedBy: c.lease }, $unset: { leaseOwner: 1 as const, leaseUntil: 1 as const, nextAttemptAt: 1 as const, lastError: 1 as const }, $push: pushTimeline(...o.entries) },
      },
    })),
    { ordered: false },
  );
  if (saved.modifiedCount === decided.size) return decided;
  // A stalled batch lost some leases: the processor that took them over decides those events.
  const lease = [...decided.keys()][0]!.lease;
  const recorded = await CompletionEvent.find(scoped(tenantId, { _id: { $in: [...decided.keys()].map((c) => c.event._id) }, decidedBy: lease })).select('_id').lean<{ _id: Types.ObjectId }[]>();
  const ours = new Set(recorded.map((e) => String(e._id)));
  return new Map([...decided].filter(([c]) => ours.has(String(c.event._id))));
}

/** The teacher hears of each applied event once (the notices are deduplicated per event), in one write. */
async function notifyApplied(tenantId: TenantId, decided: Map<Claimed, Outcome>): Promise<void> {
  const applied = [...decided].filter(([, o]) => o.status === 'applied' && (o.set.applied as unknown[]).length);
  await notifications.notifyEach(
    tenantId,
    applied.map(([c, o]) => ({ userId: o.set.userId as Types.ObjectId, kind: 'completion.synced', title: `${courseInWords(c.event)} was completed in your LMS`, body: 'It is marked done in your plan.', dedupeKey: `completion:${String(c.event._id)}` })),
  );
}

/**
 * Processes the events of a batch that are pending and free: at most one processor works on an event at
 * a time, and a crash anywhere leaves it pending for the processor job (plans apply idempotently).
 * Returns the status decided for each event this processor recorded.
 */
export async function processBatch(tenantId: TenantId, eventIds: Types.ObjectId[], now = new Date()): Promise<Map<string, EventStatus>> {
  const claimed = await claim(tenantId, eventIds, now);
  if (!claimed.length) return new Map();
  const matcher = await BatchMatcher.forEvents(tenantId, claimed.map((c) => c.event));
  const decided = new Map<Claimed, Outcome>();
  const found = new Map<Claimed, Matched>();
  for (const c of claimed) {
    const m = await match(c.event, matcher);
    if ('status' in m) decided.set(c, m);
    else found.set(c, m);
  }
  const held = new Set(await recordMatched(tenantId, found));
  const applied = await applyAll(tenantId, [...found].filter(([c]) => held.has(c)).map(([c, m]) => ({ c, m })), now);
  for (const [c, o] of applied) decided.set(c, o);
  const recorded = await finish(tenantId, decided);
  // Also where the lease ran out mid-apply: the plan changed here, and the notice is deduplicated per event.
  await notifyApplied(tenantId, decided);
  return new Map([...recorded].map(([c, o]) => [String(c.event._id), o.status]));
}

/** Processes one event if it is pending and free; undefined when another processor holds or decided it. */
export async function processEvent(tenantId: TenantId, eventId: Types.ObjectId, now = new Date()): Promise<EventStatus | undefined> {
  return (await processBatch(tenantId, [eventId], now)).get(String(eventId));
}

/**
 * The processor job: events left received or matched (a crash, a restart, a failed try) in every
 * tenant, BATCHES_AT_ONCE batches at a time without pausing while full batches keep coming. `asOf` is the clock the job
 * reads; leases and retry times are compared with it.
 */
export async function processPending(opts: { asOf?: Date; limit?: number } = {}): Promise<number> {
  const asOf = opts.asOf ?? new Date();
  const limit = opts.limit ?? 1000;
  let processed = 0;
  for (const tenant of await tenants.listTenants()) {
    for (let left = limit; left > 0; ) {
      const due = await duePending(tenant._id, asOf, Math.min(BATCH_SIZE * BATCHES_AT_ONCE, left));
      if (!due.length) break;
      const batches = Array.from({ length: Math.ceil(due.length / BATCH_SIZE) }, (_, b) => due.slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE));
      for (const decided of await Promise.all(batches.map((ids) => processBatch(tenant._id, ids, asOf)))) processed += decided.size;
      left -= due.length;
      if (due.length < BATCH_SIZE * BATCHES_AT_ONCE) break;
    }
  }
  return processed;
}

async function duePending(tenantId: TenantId, asOf: Date, limit: number): Promise<Types.ObjectId[]> {
  const due = await CompletionEvent.find(
    scoped(tenantId, {
      status: { $in: PENDING_STATUSES },
      $and: [{ $or: [{ nextAttemptAt: { $exists: false } }, { nextAttemptAt: null }, { nextAttemptAt: { $lte: asOf } }] }, leaseFree(asOf)],
    }),
  )
    .sort({ receivedAt: 1 })
    .limit(limit)
    .select('_id')
    .lean<{ _id: Types.ObjectId }[]>();
  return due.map((e) => e._id);
}
