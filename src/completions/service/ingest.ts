import { MongoBulkWriteError } from 'mongodb';
import { Types } from 'mongoose';
import { scoped, TenantId } from '../../db/tenancy';
import type { LmsCompletion } from '../../lms/canvas';
import { CompletionEvent, CompletionSource, SourceKind, UserIdKind } from '../model';
import { CompletionInput, eventFields, idempotencyKey, SOURCE_LABELS } from '../rules';
import { entry, pushTimeline } from './common';
import { isDuplicateKey } from '../../db/writeErrors';
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

/** The ledger document for a completion, validated as the model would before a save. */
function ledgerDocument(tenantId: TenantId, input: CompletionInput): Record<string, unknown> {
  const fields = eventFields(input);
  const doc = new CompletionEvent({ tenantId, ...fields, idempotencyKey: idempotencyKey({ ...input, lmsUserId: fields.lmsUserId }), timeline: [entry('received', `From ${SOURCE_LABELS[input.source]}`)] });
  const invalid = doc.validateSync();
  if (invalid) throw invalid;
  const now = new Date();
  return { ...doc.toObject(), createdAt: now, updatedAt: now };
}

/** Indexes of the documents refused because their idempotency key is already in the ledger; any other error is thrown. */
function duplicatesOf(err: unknown): Set<number> {
  const writeErrors = (err as { writeErrors?: { index: number; code: number }[] }).writeErrors;
  if (!(err instanceof MongoBulkWriteError) || !writeErrors || writeErrors.some((e) => e.code !== 11000)) throw err;
  return new Set(writeErrors.map((e) => e.index));
}

/** Counts later deliveries on the events the ledger already had: one update per number of repeats in the batch. */
async function countDuplicates(tenantId: TenantId, kind: SourceKind, keys: string[]): Promise<void> {
  const repeats = new Map<string, number>();
  for (const key of keys) repeats.set(key, (repeats.get(key) ?? 0) + 1);
  for (const times of new Set(repeats.values())) {
    const same = [...repeats].filter(([, n]) => n === times).map(([key]) => key);
    const entries = Array.from({ length: times }, () => entry('ignored-duplicate', `Delivered again by ${SOURCE_LABELS[kind]}; acknowledged and ignored`));
    await CompletionEvent.updateMany(scoped(tenantId, { idempotencyKey: { $in: same } }), { $inc: { duplicates: times }, $push: pushTimeline(...entries) });
  }
}

/**
 * Ingests a batch for a source in one unordered insert (acknowledged by the database before this returns),
 * counts it on the source, and starts matching the new events. A completion the ledger already holds
 * collides on the idempotency key and is counted as a duplicate, never applied twice.
 */
export async function ingestBatch(tenantId: TenantId, kind: SourceKind, inputs: CompletionInput[]): Promise<BatchResult> {
  const docs = (await withKnownTitles(tenantId, inputs)).map((input) => ledgerDocument(tenantId, input));
  let refused = new Set<number>();
  if (docs.length) {
    try {
      await CompletionEvent.collection.insertMany(docs, { ordered: false });
    } catch (err) {
      refused = duplicatesOf(err);
    }
  }
  const fresh = docs.filter((_, i) => !refused.has(i)).map((d) => d._id as Types.ObjectId);
  await countDuplicates(tenantId, kind, docs.filter((_, i) => refused.has(i)).map((d) => d.idempotencyKey as string));
  await CompletionSource.updateOne(scoped(tenantId, { kind }), { $inc: { 'stats.received': fresh.length, 'stats.duplicates': refused.size }, $set: { lastSyncAt: new Date() } });
  processSoon(tenantId, fresh);
  return { received: fresh.length, duplicates: refused.size };
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
