import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { PROCESS_OWNER } from '../../jobs/lease';
import { logger } from '../../log';
import * as notices from '../../notifications/service';
import * as tenants from '../../tenants/service';
import * as users from '../../users/service';
import { Invalid, NotFound } from '../../kernel/errors';
import { Assignment, AssignmentBatch, AssignmentBatchDoc, AssignmentDoc, Pathway, PathwayDoc } from '../model';
import { chunkFrom, pendingToConfirm } from '../rules';
import { ChangedBy, Id } from './common';
import { enrol } from './enrolments';

// Running a confirmed batch: row by row, under a lease, resumable.

/** Assignments to at most this many people are applied while PD staff wait; larger ones run as a job. */
export const INLINE_BATCH_ROWS = 25;
const BATCH_LEASE_MS = 60_000;
/** Rows applied side by side in a batch. */
const BATCH_CHUNK = 4;

export async function getBatch(tenantId: TenantId, id: Id | string): Promise<AssignmentBatchDoc> {
  const doc = Types.ObjectId.isValid(id) ? await AssignmentBatch.findOne(scoped(tenantId, { _id: id })).lean<AssignmentBatchDoc>() : null;
  if (!doc) throw new NotFound('That assignment');
  return doc;
}

/** Pathways a batch assigns (for its preview and progress pages). */
export async function batchPathways(tenantId: TenantId, batch: AssignmentBatchDoc): Promise<Map<string, PathwayDoc>> {
  const docs = await Pathway.find(scoped(tenantId, { _id: { $in: batch.assignments.map((a) => a.pathwayId) } })).lean<PathwayDoc[]>();
  return new Map(docs.map((d) => [String(d._id), d]));
}

/**
 * Confirms a previewed batch. Small ones are applied before returning; larger ones run in the
 * background (and the scheduled job resumes any whose process stopped).
 */
export async function applyBatch(tenantId: TenantId, batchId: Id, by: ChangedBy, opts: { createPending?: boolean } = {}): Promise<AssignmentBatchDoc> {
  const waiting = await getBatch(tenantId, batchId);
  const unknown = pendingToConfirm(waiting);
  if (unknown && !opts.createPending) throw new Invalid('Nothing was assigned yet.', { createPending: `Tick the box to add the ${unknown === 1 ? 'person' : `${unknown} people`} PD Pathways does not know yet, or correct the file and upload it again` });
  const started = await AssignmentBatch.findOneAndUpdate(scoped(tenantId, { _id: batchId, status: 'previewed' }), { $set: { status: 'running', startedAt: new Date() } }, { new: true }).lean<AssignmentBatchDoc>();
  if (!started) return getBatch(tenantId, batchId);
  await audit.record(tenantId, { actor: by, action: 'pathway.assignment-started', subject: { kind: 'assignment-batch', id: batchId }, after: { label: started.label, people: started.total } });
  if (started.total <= INLINE_BATCH_ROWS) {
    await runBatch(tenantId, batchId);
    return getBatch(tenantId, batchId);
  }
  runBatch(tenantId, batchId).catch((err) => logger().error({ err, batchId: String(batchId) }, 'assignment batch failed; the job will resume it'));
  return started;
}

async function takeBatchLease(tenantId: TenantId, batchId: Id): Promise<AssignmentBatchDoc | null> {
  const now = new Date();
  return AssignmentBatch.findOneAndUpdate(
    scoped(tenantId, { _id: batchId, status: 'running', $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: now } }, { leaseOwner: PROCESS_OWNER }] }),
    { $set: { leaseOwner: PROCESS_OWNER, leaseUntil: new Date(now.getTime() + BATCH_LEASE_MS) } },
    { new: true },
  ).lean<AssignmentBatchDoc>();
}

/** Creates the batch's assignments (ids fixed at preview, so a rerun creates none twice). */
async function ensureAssignments(tenantId: TenantId, batch: AssignmentBatchDoc, pathways: Map<string, PathwayDoc>): Promise<void> {
  for (const a of batch.assignments) {
    const p = pathways.get(String(a.pathwayId))!;
    await Assignment.updateOne(
      scoped(tenantId, { _id: a._id }),
      { $setOnInsert: { pathwayId: p._id, slug: p.slug, version: p.version, title: p.title, target: a.target, dueAt: a.dueAt, createdBy: batch.createdBy } },
      { upsert: true },
    );
  }
}

async function applyRow(tenantId: TenantId, batch: AssignmentBatchDoc, row: AssignmentBatchDoc['rows'][number], pathways: Map<string, PathwayDoc>): Promise<'enrolled' | 'already'> {
  const planned = batch.assignments[row.assignment]!;
  const userId = row.userId ?? (await users.ensurePerson(tenantId, row.person as users.PendingPerson))._id;
  return enrol(tenantId, { userId, pathway: pathways.get(String(planned.pathwayId))!, assignmentKey: `${planned._id}:${userId}`, assignmentId: planned._id, dueAt: planned.dueAt ?? undefined, source: 'assigned' });
}

async function outcomeOf(tenantId: TenantId, batch: AssignmentBatchDoc, index: number, pathways: Map<string, PathwayDoc>): Promise<'enrolled' | 'already' | 'failed'> {
  try {
    return await applyRow(tenantId, batch, batch.rows[index]!, pathways);
  } catch (err) {
    logger().error({ err, batchId: String(batch._id), row: index }, 'assignment row failed');
    return 'failed';
  }
}

/**
 * Applies a running batch from where it stopped, a few rows at a time (each person's plan is
 * separate, so they proceed side by side), renewing its lease after each chunk.
 */
export async function runBatch(tenantId: TenantId, batchId: Id): Promise<void> {
  let batch = await takeBatchLease(tenantId, batchId);
  if (!batch) return;
  const pathways = await batchPathways(tenantId, batch);
  await ensureAssignments(tenantId, batch, pathways);
  for (let from = batch.done; from < batch.rows.length; from += BATCH_CHUNK) {
    const current: AssignmentBatchDoc = batch;
    const indexes = chunkFrom(from, current.rows.length, BATCH_CHUNK);
    const outcomes = await Promise.all(indexes.map((i) => outcomeOf(tenantId, current, i, pathways)));
    const tally = { enrolled: 0, already: 0, failed: 0 };
    for (const o of outcomes) tally[o]++;
    batch = await AssignmentBatch.findOneAndUpdate(
      scoped(tenantId, { _id: batchId, leaseOwner: PROCESS_OWNER, done: from }),
      { $set: { done: from + indexes.length, leaseUntil: new Date(Date.now() + BATCH_LEASE_MS) }, $inc: tally },
      { new: true },
    ).lean<AssignmentBatchDoc>();
    if (!batch) return; // another process took the batch over
  }
  await finishBatch(tenantId, batch);
}

async function finishBatch(tenantId: TenantId, batch: AssignmentBatchDoc): Promise<void> {
  const { modifiedCount } = await AssignmentBatch.updateOne(scoped(tenantId, { _id: batch._id, status: 'running' }), { $set: { status: 'finished', finishedAt: new Date() }, $unset: { leaseOwner: 1, leaseUntil: 1 } });
  if (!modifiedCount) return;
  const by = batch.createdBy?.userId ? { userId: batch.createdBy.userId, name: batch.createdBy.name ?? '' } : undefined;
  await audit.record(tenantId, { actor: by, action: 'pathway.assigned', subject: { kind: 'assignment-batch', id: batch._id }, after: { label: batch.label, enrolled: batch.enrolled, already: batch.already, failed: batch.failed } });
  if (by && batch.total > INLINE_BATCH_ROWS) {
    await notices.notify(tenantId, { userId: by.userId, kind: 'pathway.assignment-finished', title: `Assignment finished: ${batch.label}`, body: `${batch.enrolled} assigned, ${batch.already} already on it, ${batch.failed} failed.`, link: `/pathways/batches/${batch._id}`, dedupeKey: `assignment-finished:${batch._id}` });
  }
}

/** The scheduled job: resumes running batches whose process stopped (lease expired). */
export async function resumeStalledBatches(): Promise<number> {
  let resumed = 0;
  for (const tenant of await tenants.listTenants()) {
    const stalled = await AssignmentBatch.find(scoped(tenant._id, { status: 'running', $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: new Date() } }] }), { _id: 1 }).lean<{ _id: Id }[]>();
    for (const b of stalled) {
      await runBatch(tenant._id, b._id);
      resumed++;
    }
  }
  return resumed;
}

/** Assignments of a pathway (all versions), newest first. */
export function assignmentsOf(tenantId: TenantId, slug: string): Promise<AssignmentDoc[]> {
  return Assignment.find(scoped(tenantId, { slug })).sort({ createdAt: -1 }).lean<AssignmentDoc[]>();
}
