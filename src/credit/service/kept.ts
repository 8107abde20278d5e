import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import { scoped, scopedPipeline, TenantId } from '../../db/tenancy';
import type { TenantPolicy } from '../../kernel/tenantPolicy';
import { KeptCredit, KeptCreditDoc } from '../model';

export type { KeptCreditDoc };

/** One completed activity as the teacher's plan held it. */
export interface CompletedActivity {
  /** The plan and activity it came from: the same activity in two goals of a plan has one key. */
  key: string;
  title: string;
  kind: string;
  hours: number;
  cost: number;
  completedAt: Date;
  source: string;
}

type Retention = Pick<TenantPolicy, 'creditRetention' | 'creditRetentionYears'>;

/** Until when the district keeps one completed activity: a date, for ever (until PD staff delete it), or not at all. */
export function keepUntil(completedAt: Date, rule: Retention): Date | 'until-deleted' | 'not-kept' {
  if (rule.creditRetention === 'with-teacher') return 'not-kept';
  if (rule.creditRetention === 'until-deleted') return 'until-deleted';
  const until = new Date(completedAt);
  until.setUTCFullYear(until.getUTCFullYear() + (rule.creditRetentionYears ?? 7));
  return until;
}

export interface KeptSummary {
  kept: number;
  keptHours: number;
  /** Completed activities deleted now: the rule deletes them with the teacher's data, or their time is up. */
  deleted: number;
  /** The latest date until which any of it is kept; absent when kept until PD staff delete it, or nothing kept. */
  keptUntil?: Date;
}

/**
 * A teacher deleted their data: keeps their completed activities as the district's record as its
 * retention rule says. Keyed by plan activity, so a repeated deletion keeps nothing twice.
 */
export async function keepCredit(tenantId: TenantId, person: { userId: Types.ObjectId; name: string; email?: string }, done: CompletedActivity[], rule: Retention, now = new Date()): Promise<KeptSummary> {
  const summary: KeptSummary = { kept: 0, keptHours: 0, deleted: 0 };
  for (const a of done) {
    const until = keepUntil(a.completedAt, rule);
    if (until === 'not-kept' || (until instanceof Date && until <= now)) {
      summary.deleted += 1;
      continue;
    }
    const { key, title, kind, hours, cost, completedAt, source } = a;
    const doc = { userId: person.userId, personName: person.name, personEmail: person.email, key, title, kind, hours, cost, completedAt, source, keptAt: now, ...(until instanceof Date ? { keepUntil: until } : {}) };
    await KeptCredit.updateOne(scoped(tenantId, { key: a.key }), { $setOnInsert: doc }, { upsert: true });
    summary.kept += 1;
    summary.keptHours += a.hours;
    if (until instanceof Date && rule.creditRetention === 'years' && (!summary.keptUntil || until > summary.keptUntil)) summary.keptUntil = until;
  }
  return summary;
}

export interface KeptPerson {
  userId: Types.ObjectId;
  name: string;
  email?: string;
  activities: number;
  hours: number;
  cost: number;
  keptAt: Date;
  keptUntil?: Date;
  untilDeleted: boolean;
}

/** Everyone whose completed credit the district keeps, by name. */
export function keptPeople(tenantId: TenantId): Promise<KeptPerson[]> {
  return KeptCredit.aggregate<KeptPerson>(
    scopedPipeline(tenantId, {}, [
      { $group: { _id: '$userId', name: { $last: '$personName' }, email: { $last: '$personEmail' }, activities: { $sum: 1 }, hours: { $sum: '$hours' }, cost: { $sum: '$cost' }, keptAt: { $min: '$keptAt' }, keptUntil: { $max: '$keepUntil' }, open: { $sum: { $cond: [{ $ifNull: ['$keepUntil', false] }, 0, 1] } } } },
      { $project: { _id: 0, userId: '$_id', name: 1, email: 1, activities: 1, hours: 1, cost: 1, keptAt: 1, keptUntil: 1, untilDeleted: { $gt: ['$open', 0] } } },
      { $sort: { name: 1 } },
    ]),
  );
}

/** The credit kept for one person, oldest first. */
export function keptFor(tenantId: TenantId, userId: Types.ObjectId): Promise<KeptCreditDoc[]> {
  return KeptCredit.find(scoped(tenantId, { userId })).sort({ completedAt: 1 }).lean<KeptCreditDoc[]>();
}

/** PD staff delete the credit kept for one person; audited with the count only. */
export async function deleteKept(tenantId: TenantId, userId: Types.ObjectId, by: ChangedBy): Promise<number> {
  const { deletedCount } = await KeptCredit.deleteMany(scoped(tenantId, { userId }));
  if (deletedCount) await audit.record(tenantId, { actor: by, action: 'credit.kept-deleted', subject: { kind: 'user', id: userId }, after: { activities: deletedCount } });
  return deletedCount;
}
