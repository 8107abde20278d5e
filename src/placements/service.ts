import crypto from 'node:crypto';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../audit/service';
import type { ChangedBy } from '../audit/service';
import { scoped, scopedPipeline, TenantId } from '../db/tenancy';
import { acquireLease, releaseLease } from '../jobs/lease';
import * as ags from '../lti/services/ags';
import * as outbox from '../outbox/service';
import type { Delivery, OutboxMessageDoc } from '../outbox/service';
import * as plans from '../plans/service';
import * as tenants from '../tenants/service';
import { NotFound } from '../kernel/errors';
import { objectId } from '../kernel/validation';
import { GradeBack, GradeBackDoc, Placement, PlacementDoc, PlacementKind } from './model';
import { syncEveryone } from './scores';
import { isDuplicateKey } from '../db/writeErrors';

/** Custom parameter a placed link carries to open a specific page (set by deep linking, read at launch). */
export const TARGET_PARAM = 'pdp_target';

export { PLACEMENT_PARAM, recognisePlacedLink } from './courseCopy';
export type { PlacedLinkLaunch } from './courseCopy';

export { PLACEMENT_KINDS } from './model';
export { syncPeople } from './scores';
export type { GradeBackDoc, PlacementDoc, PlacementKind };

type Id = Types.ObjectId;

export type { ChangedBy };

/** A link chosen in the deep-linking picker, as the platform will create it. */
export interface PlacedLink {
  kind: PlacementKind;
  ref?: string;
  title: string;
  target: string;
  resourceId: string;
  tag: string;
  /** Present when the instructor asked for a gradebook column. */
  lineItem?: { label: string; scoreMaximum: number };
  /** 'platform' when the line item went in the deep-linking response (the platform creates the column). */
  columnBy?: 'platform' | 'tool';
}

async function upsertPlacement(tenantId: TenantId, contextId: string, link: PlacedLink, by: ChangedBy): Promise<PlacementDoc> {
  const set = {
    kind: link.kind,
    ref: link.ref ?? '',
    title: link.title,
    target: link.target,
    tag: link.tag,
    placedBy: by.userId,
    placedByName: by.name,
    lastPlacedAt: new Date(),
    ...(link.lineItem ? { lineItem: link.lineItem, columnBy: link.columnBy ?? 'platform' } : {}),
  };
  const run = () => Placement.findOneAndUpdate(scoped(tenantId, { contextId, resourceId: link.resourceId }), { $set: set }, { upsert: true, new: true }).lean<PlacementDoc>();
  try {
    return (await run())!;
  } catch (err) {
    // The same link placed twice at once: the other request created it.
    if (!isDuplicateKey(err)) throw err;
    return (await run())!;
  }
}

/** Records links a deep-linking response places in a course, so grade-back knows where to post. */
export async function recordPlacements(tenantId: TenantId, contextId: string, links: PlacedLink[], by: ChangedBy): Promise<void> {
  for (const link of links) {
    const placement = await upsertPlacement(tenantId, contextId, link, by);
    await audit.record(tenantId, { actor: by, action: 'placement.added', subject: { kind: 'placement', id: placement._id }, after: { contextId, title: link.title, graded: !!link.lineItem } });
    if (link.lineItem) {
      const label = `Gradebook column “${link.lineItem.label}”`;
      await outbox.enqueue(tenantId, { kind: 'ags-lineitem', key: `lineitem:${placement._id}`, payload: { placementId: String(placement._id) }, label });
    }
  }
}

export async function getPlacement(tenantId: TenantId, id: Id | string): Promise<PlacementDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Placement.findOne(scoped(tenantId, { _id: id })).lean<PlacementDoc>() : null;
  if (!doc) throw new NotFound('That placement');
  return doc;
}

/** Whether the pathway with this slug was placed in this course (its page then invites the course to join). */
export async function pathwayPlacedIn(tenantId: TenantId, contextId: string, slug: string): Promise<boolean> {
  return (await listPlacements(tenantId, contextId)).some((p) => p.kind === 'pathway' && p.ref === slug);
}

export function listPlacements(tenantId: TenantId, contextId?: string): Promise<PlacementDoc[]> {
  return Placement.find(scoped(tenantId, contextId ? { contextId } : {})).sort({ contextId: 1, title: 1 }).lean<PlacementDoc[]>();
}

export interface GradeTally {
  queued: number;
  posted: number;
  notApplicable: number;
}

/** How many people's scores each placement has queued, posted, or could not post. */
export async function gradeTallies(tenantId: TenantId): Promise<Map<string, GradeTally>> {
  const rows = await GradeBack.aggregate<{ _id: { p: Id; s: string }; n: number }>(
    scopedPipeline(tenantId, {}, [{ $group: { _id: { p: '$placementId', s: '$status' }, n: { $sum: 1 } } }]),
  );
  const out = new Map<string, GradeTally>();
  for (const r of rows) {
    const t = out.get(String(r._id.p)) ?? { queued: 0, posted: 0, notApplicable: 0 };
    if (r._id.s === 'posted') t.posted += r.n;
    else if (r._id.s === 'not-applicable') t.notApplicable += r.n;
    else t.queued += r.n;
    out.set(String(r._id.p), t);
  }
  return out;
}

export function gradesOf(tenantId: TenantId, placementId: Id): Promise<GradeBackDoc[]> {
  return GradeBack.find(scoped(tenantId, { placementId })).sort({ updatedAt: -1 }).lean<GradeBackDoc[]>();
}

// ---------------------------------------------------------------- re-sending and placed goals

/** Sends everyone's current standing to a placement's column again (e.g. after fixing the course's AGS access). */
export async function resyncPlacement(tenantId: TenantId, placementId: Id, by: ChangedBy): Promise<void> {
  const placement = await getPlacement(tenantId, placementId);
  await syncEveryone(tenantId, placement, true);
  await audit.record(tenantId, { actor: by, action: 'placement.resynced', subject: { kind: 'placement', id: placementId } });
}

/** Where a placed goal link lands for this person: their current goal in the competency, if they have one. */
export async function placedGoal(tenantId: TenantId, userId: Id, competency: string): Promise<{ planId: Id; goalId: Id } | undefined> {
  const plan = await plans.currentPlan(tenantId, userId);
  const goal = plan?.goals.find((g) => g.competency === competency);
  return plan && goal ? { planId: plan._id, goalId: goal._id } : undefined;
}

// ---------------------------------------------------------------- delivery (outbox handlers)

/** The course's line items URL, recorded from its launches; undefined when the platform offers no AGS there. */
async function lineItemsUrl(tenantId: TenantId, contextId: string): Promise<string | undefined> {
  return (await tenants.findContext(tenantId, contextId))?.ags?.lineitems ?? undefined;
}

type Column = { url: string } | { waiting: string } | undefined;

/** What the placement page and the outbox say while the platform has not created a declared column yet. */
export function waitingForColumn(family: string): string {
  return family === 'moodle'
    ? 'Waiting for the LMS to create the gradebook column: in Moodle it appears when the teacher saves the activity form after choosing the PD Pathways content. Scores are sent as soon as it exists.'
    : 'Waiting for the LMS to create the gradebook column it was asked for. Scores are sent as soon as it exists.';
}

/**
 * The placement's column: remembered, else looked up by resourceId and tag. A column the platform creates is
 * only ever looked up (waiting while it is missing); PD Pathways creates one only where the platform will not,
 * finding before creating under a lease, so two workers never make two.
 */
async function column(tenantId: TenantId, placementId: Id): Promise<Column> {
  const placement = await getPlacement(tenantId, placementId);
  if (placement.lineItemUrl) return { url: placement.lineItemUrl };
  const container = await lineItemsUrl(tenantId, placement.contextId);
  if (!container || !placement.lineItem?.label) return undefined;
  const lease = `lineitem:${placement._id}`;
  const owner = crypto.randomUUID();
  if (!(await acquireLease(lease, 60_000, owner))) throw new Error('Another worker is finding this gradebook column; trying again shortly');
  try {
    const again = await getPlacement(tenantId, placementId);
    if (again.lineItemUrl) return { url: again.lineItemUrl };
    const spec = { label: placement.lineItem.label, scoreMaximum: placement.lineItem.scoreMaximum ?? 100, resourceId: placement.resourceId, tag: placement.tag };
    const found = await ags.findLineItem(tenantId, container, spec);
    const url = found ?? (placement.columnBy === 'tool' ? await ags.createLineItem(tenantId, container, spec) : undefined);
    if (!url) {
      if (!again.columnWaitingSince) await Placement.updateOne(scoped(tenantId, { _id: placement._id }), { $set: { columnWaitingSince: new Date() } });
      return { waiting: waitingForColumn((await tenants.getTenant(tenantId)).family) };
    }
    await Placement.updateOne(scoped(tenantId, { _id: placement._id }), { $set: { lineItemUrl: url }, $unset: { columnWaitingSince: 1 } });
    return { url };
  } finally {
    await releaseLease(lease, owner);
  }
}

const NO_AGS = 'The course gives PD Pathways no gradebook access (no AGS line items service in its launches)';

/** Outbox delivery of 'ags-lineitem': once the placement's column exists, everyone's standing goes into it. */
export async function deliverLineItem(m: OutboxMessageDoc): Promise<Delivery> {
  const { placementId } = z.object({ placementId: objectId }).parse(m.payload);
  const placement = await Placement.findOne(scoped(m.tenantId, { _id: placementId })).lean<PlacementDoc>();
  if (!placement) return { outcome: 'not-applicable', reason: 'The placement no longer exists' };
  const found = await column(m.tenantId, placement._id);
  if (!found) return { outcome: 'not-applicable', reason: NO_AGS };
  if ('waiting' in found) return { outcome: 'waiting', reason: found.waiting };
  await syncEveryone(m.tenantId, placement);
  return { outcome: 'done' };
}

const ScorePayload = z.object({
  placementId: objectId,
  userId: objectId,
  score: z.object({
    userId: z.string().min(1),
    scoreGiven: z.number(),
    scoreMaximum: z.number(),
    activityProgress: z.enum(['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed']),
    gradingProgress: z.enum(['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady']),
    timestamp: z.string(),
    comment: z.string().optional(),
  }),
});

async function noteDelivery(tenantId: TenantId, p: z.infer<typeof ScorePayload>, status: 'posted' | 'not-applicable', note: string): Promise<void> {
  // Only if no newer score was queued meanwhile.
  await GradeBack.updateOne(scoped(tenantId, { placementId: p.placementId, userId: p.userId, timestamp: new Date(p.score.timestamp) }), { $set: { status, note } });
}

/** Outbox delivery of 'ags-score': posts one person's score to the placement's column (AGS). */
export async function deliverScore(m: OutboxMessageDoc): Promise<Delivery> {
  const p = ScorePayload.parse(m.payload);
  const placement = await Placement.findOne(scoped(m.tenantId, { _id: p.placementId })).lean<PlacementDoc>();
  if (!placement) return { outcome: 'not-applicable', reason: 'The placement no longer exists' };
  const found = await column(m.tenantId, placement._id);
  if (!found) {
    await noteDelivery(m.tenantId, p, 'not-applicable', NO_AGS);
    return { outcome: 'not-applicable', reason: NO_AGS };
  }
  if ('waiting' in found) return { outcome: 'waiting', reason: found.waiting };
  const { url } = found;
  try {
    const result = await ags.postScore(m.tenantId, url, p.score);
    await noteDelivery(m.tenantId, p, result.posted ? 'posted' : 'not-applicable', result.posted ? '' : result.reason);
    return result.posted ? { outcome: 'done' } : { outcome: 'not-applicable', reason: result.reason };
  } catch (err) {
    if (err instanceof ags.LineItemGone) await Placement.updateOne(scoped(m.tenantId, { _id: placement._id }), { $unset: { lineItemUrl: 1 } });
    throw err;
  }
}
