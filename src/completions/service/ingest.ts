import { Types } from 'mongoose';
import { scoped, TenantId } from '../../db/tenancy';
import type { LmsCompletion } from '../../lms/canvas';
import { CompletionEvent, CompletionSource, SourceKind, UserIdKind } from '../model';
import { CompletionInput, eventFields, idempotencyKey, SOURCE_LABELS } from '../rules';
import { entry, isDuplicateKey, pushTimeline } from './common';
import { withKnownTitles } from './courseTitles';
import { processSoon } from './processing';

// Every source ends in ingest(), which writes one ledger event per completion.

export interface IngestResult {
  eventId: Types.ObjectId;
  duplicate: boolean;
}

/**
 * Writes the completion to the ledger (acknowledged by the database before this returns). A second
 * delivery of the same completion collides on the idempotency key and is counted, never applied twice.
 */
export async function ingest(tenantId: TenantId, input: CompletionInput): Promise<IngestResult> {
  const fields = eventFields(input);
  const key = idempotencyKey({ ...input, lmsUserId: fields.lmsUserId });
  try {
    const created = await CompletionEvent.create({ tenantId, ...fields, idempotencyKey: key, timeline: [entry('received', `From ${SOURCE_LABELS[input.source]}`)] });
    return { eventId: created._id, duplicate: false };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await CompletionEvent.findOneAndUpdate(
      scoped(tenantId, { idempotencyKey: key }),
      { $inc: { duplicates: 1 }, $push: pushTimeline(entry('ignored-duplicate', `Delivered again by ${SOURCE_LABELS[input.source]}; acknowledged and ignored`)) },
      { new: true, projection: { _id: 1 } },
    ).lean<{ _id: Types.ObjectId }>();
    return { eventId: existing!._id, duplicate: true };
  }
}

export interface BatchResult {
  received: number;
  duplicates: number;
  ignored?: string;
}

/** Ingests a batch for a source, counts it on the source, and starts matching the new events. */
export async function ingestBatch(tenantId: TenantId, kind: SourceKind, inputs: CompletionInput[]): Promise<BatchResult> {
  const fresh: Types.ObjectId[] = [];
  let duplicates = 0;
  for (const input of await withKnownTitles(tenantId, inputs)) {
    const r = await ingest(tenantId, input);
    if (r.duplicate) duplicates++;
    else fresh.push(r.eventId);
  }
  await CompletionSource.updateOne(scoped(tenantId, { kind }), { $inc: { 'stats.received': fresh.length, 'stats.duplicates': duplicates }, $set: { lastSyncAt: new Date() } });
  processSoon(tenantId, fresh);
  return { received: fresh.length, duplicates };
}

/** Records the completions the ledger does not have yet; those it has are left out rather than counted as duplicates. */
export async function ingestNew(tenantId: TenantId, inputs: CompletionInput[]): Promise<BatchResult> {
  const keys = inputs.map(idempotencyKey);
  const known = new Set((await CompletionEvent.find(scoped(tenantId, { idempotencyKey: { $in: keys } })).select('idempotencyKey').lean<{ idempotencyKey: string }[]>()).map((e) => e.idempotencyKey));
  const fresh = inputs.filter((_, i) => !known.has(keys[i]!));
  const total: BatchResult = { received: 0, duplicates: 0 };
  for (const kind of new Set(fresh.map((i) => i.source))) {
    const r = await ingestBatch(tenantId, kind, fresh.filter((i) => i.source === kind));
    total.received += r.received;
    total.duplicates += r.duplicates;
  }
  return total;
}

/** A completion an LMS reported (Live Events, course-progress pollers). */
export function fromLms(kind: SourceKind, c: LmsCompletion, userIdKind: UserIdKind, payload?: unknown): CompletionInput {
  return { source: kind, courseId: c.courseId, courseTitle: c.courseTitle, lmsUserId: c.lmsUserId, userIdKind, userEmail: c.userEmail, userName: c.userName, completedAt: c.completedAt, timeUnknown: c.timeUnknown, externalKey: c.externalKey, payload };
}
