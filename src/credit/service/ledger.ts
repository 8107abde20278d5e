import crypto from 'node:crypto';
import { Types } from 'mongoose';
import * as catalog from '../../catalog/service';
import { byTenant, scoped, TenantId } from '../../db/tenancy';
import type { DomainEvents } from '../../events';
import { uniqueIds } from '../../kernel/ids';
import { onlyDuplicateKeys } from '../../db/writeErrors';
import { NotFound } from '../../kernel/errors';
import { CreditRecord, CreditRecordDoc } from '../model';
import { Award, CreditKind, creditEarned } from '../rules';
import { activityCredit, ActivityCreditSetting, creditKinds } from './types';

export type { CreditRecordDoc };

/** One completion to record, from any source. */
export interface CompletionCredit {
  userId: Types.ObjectId;
  key: string;
  title: string;
  hours: number;
  completedAt: Date;
  source: string;
  activityId?: Types.ObjectId;
  provider?: string;
  kind?: string;
  categories?: string[];
  /** Credit decided elsewhere (an approved outside-PD request); otherwise from the activity's settings. */
  awards?: Award[];
  stipend?: number;
}

/** The transcript entry for a completion, with the credit its activity's setting awards. */
function transcriptEntry(c: CompletionCredit, setting: ActivityCreditSetting | undefined, kinds: CreditKind[]) {
  return {
    userId: c.userId,
    key: c.key,
    title: c.title,
    provider: c.provider ?? '',
    kind: c.kind ?? 'custom',
    categories: c.categories ?? [],
    completedAt: c.completedAt,
    source: c.source,
    awards: c.awards ?? creditEarned(c.hours, setting?.awards ?? [], kinds),
    stipend: c.stipend ?? setting?.stipend ?? 0,
    certificateId: crypto.randomBytes(12).toString('hex'),
    recordedAt: new Date(),
    ...(c.activityId ? { activityId: c.activityId } : {}),
  };
}

/**
 * Records a completion on the teacher's transcript once per key, with the credit its activity awards
 * now (a later change to the activity's credit does not rewrite what was earned). Returns the record.
 */
export async function recordCompletion(tenantId: TenantId, c: CompletionCredit): Promise<CreditRecordDoc> {
  const setting = c.activityId ? (await activityCredit(tenantId, [c.activityId])).get(String(c.activityId)) : undefined;
  const doc = transcriptEntry(c, setting, c.awards ? [] : await creditKinds(tenantId));
  return (await CreditRecord.findOneAndUpdate(scoped(tenantId, { key: c.key }), { $setOnInsert: doc }, { upsert: true, new: true }).lean<CreditRecordDoc>())!;
}

/** Many completions as recordCompletion records each: the credit settings and kinds read once, one write. */
async function recordCompletions(tenantId: TenantId, credits: CompletionCredit[]): Promise<void> {
  const settings = await activityCredit(tenantId, uniqueIds(credits.flatMap((c) => (c.activityId ? [c.activityId] : []))));
  const kinds = await creditKinds(tenantId);
  const records = credits.map((c) => transcriptEntry(c, c.activityId && settings.get(String(c.activityId)), kinds));
  try {
    await CreditRecord.bulkWrite(records.map((doc) => ({ updateOne: { filter: scoped(tenantId, { key: doc.key }), update: { $setOnInsert: doc }, upsert: true } })), { ordered: false });
  } catch (err) {
    // Another worker recorded the same completion at the same moment: it is on the transcript once.
    if (!onlyDuplicateKeys(err)) throw err;
  }
}

/** Reaction: plan activities were completed (LMS, attendance, certificate, CSV, manual): each one's credit is recorded. */
export async function recordPlanCompletions(events: DomainEvents['activity.completed'][]): Promise<void> {
  for (const [tenantId, mine] of byTenant(events)) {
    const activities = await catalog.activitiesById(tenantId, mine.map((e) => e.activityId));
    const credits = mine.map((e) => {
      const activity = activities.get(String(e.activityId));
      const about = activity ? { activityId: activity._id, provider: activity.provider, kind: activity.kind, categories: [...activity.competencies, activity.kind] } : {};
      return { userId: e.userId, key: e.done.key, title: e.done.title, hours: e.done.hours, completedAt: e.done.completedAt, source: e.source, ...about };
    });
    await recordCompletions(tenantId, credits);
  }
}

/** A teacher's completions with the credit each earned, oldest first. */
export function creditRecordsOf(tenantId: TenantId, userId: Types.ObjectId): Promise<CreditRecordDoc[]> {
  return CreditRecord.find(scoped(tenantId, { userId })).sort({ completedAt: 1, _id: 1 }).lean<CreditRecordDoc[]>();
}

/** Everyone's completions from `start` up to, not including, `end` that earned a stipend (the stipend report). */
export function stipendRecordsBetween(tenantId: TenantId, start: Date, end: Date): Promise<CreditRecordDoc[]> {
  return CreditRecord.find(scoped(tenantId, { completedAt: { $gte: start, $lt: end }, stipend: { $gt: 0 } })).sort({ completedAt: 1, _id: 1 }).lean<CreditRecordDoc[]>();
}

/** One completion of a teacher, for their certificate. */
export async function creditRecordOf(tenantId: TenantId, recordId: string): Promise<CreditRecordDoc> {
  const doc = Types.ObjectId.isValid(recordId) ? await CreditRecord.findOne(scoped(tenantId, { _id: recordId })).lean<CreditRecordDoc>() : null;
  if (!doc) throw new NotFound('That completion');
  return doc;
}

/** A certificate by its public verification id. */
export async function certificateRecord(tenantId: TenantId, certificateId: string): Promise<CreditRecordDoc> {
  const doc = /^[a-f0-9]{24}$/.test(certificateId) ? await CreditRecord.findOne(scoped(tenantId, { certificateId })).lean<CreditRecordDoc>() : null;
  if (!doc) throw new NotFound('That certificate');
  return doc;
}

/** A person's data deletion: their transcript goes (the district keeps its record as kept credit). */
export async function forgetCreditRecords({ tenantId, userId }: DomainEvents['user.data-deleted']): Promise<void> {
  await CreditRecord.deleteMany(scoped(tenantId, { userId }));
}
