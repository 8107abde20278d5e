import * as audit from '../../audit/service';
import { scoped, scopedPipeline, TenantId } from '../../db/tenancy';
import * as plans from '../../plans/service';
import { Conflict } from '../../kernel/errors';
import { Enrolment, EnrolmentDoc, PathwayDoc } from '../model';
import { countsBySlugAndVersion, EnrolmentFilter, enrolmentMatch, goalFor } from '../rules';
import { ChangedBy, Id } from './common';
import { isDuplicateKey } from '../../db/writeErrors';
import { getPathway } from './versions';

// Enrolment: a person on a pathway, with the assigned goal in their plan

export interface EnrolRequest {
  userId: Id;
  pathway: PathwayDoc;
  assignmentKey: string;
  assignmentId?: Id;
  dueAt?: Date;
  source: 'assigned' | 'self';
}

async function claimEnrolment(tenantId: TenantId, r: EnrolRequest): Promise<EnrolmentDoc> {
  const insert = { assignmentKey: r.assignmentKey, assignmentId: r.assignmentId, pathwayId: r.pathway._id, version: r.pathway.version, source: r.source, dueAt: r.dueAt, enrolledAt: new Date() };
  const filter = scoped<EnrolmentDoc>(tenantId, { slug: r.pathway.slug, userId: r.userId });
  try {
    return (await Enrolment.findOneAndUpdate(filter, { $setOnInsert: insert }, { upsert: true, new: true }).lean<EnrolmentDoc>())!;
  } catch (err) {
    // The same person enrolled twice at once: the unique (tenant, pathway, person) index kept one.
    if (!isDuplicateKey(err)) throw err;
    return (await Enrolment.findOne(filter).lean<EnrolmentDoc>())!;
  }
}

/**
 * Puts a person on a pathway: one enrolment per person and pathway, and the assigned goal in their
 * plan. Idempotent: repeating it (a retry after a crash) completes what the first attempt started.
 */
export async function enrol(tenantId: TenantId, r: EnrolRequest): Promise<'enrolled' | 'already'> {
  const enrolment = await claimEnrolment(tenantId, r);
  if (enrolment.assignmentKey !== r.assignmentKey) return 'already';
  if (enrolment.goalId) return 'enrolled';
  const version = enrolment.pathwayId.equals(r.pathway._id) ? r.pathway : await getPathway(tenantId, enrolment.pathwayId);
  const { planId, goalId } = await plans.addAssignedGoal(tenantId, r.userId, goalFor(version, r.assignmentKey, enrolment.dueAt ?? undefined));
  await Enrolment.updateOne(scoped(tenantId, { _id: enrolment._id }), { $set: { planId, goalId } });
  return 'enrolled';
}

/** A teacher adds a published pathway to their own plan: one open for self-enrolment, or one placed in their course. */
export async function selfEnrol(tenantId: TenantId, pathwayId: Id, by: ChangedBy, opts: { placedInCourse?: boolean } = {}): Promise<EnrolmentDoc> {
  const p = await getPathway(tenantId, pathwayId);
  if (p.status !== 'published' || !(p.selfEnrol || opts.placedInCourse)) throw new Conflict('This pathway is not open for self-enrolment.');
  await enrol(tenantId, { userId: by.userId, pathway: p, assignmentKey: `self:${p.slug}:${by.userId}`, source: 'self' });
  await audit.record(tenantId, { actor: by, action: 'pathway.self-enrolled', subject: { kind: 'pathway', id: p._id }, after: { version: p.version, placedInCourse: !!opts.placedInCourse } });
  return (await enrolmentFor(tenantId, p.slug, by.userId))!;
}

export function enrolmentFor(tenantId: TenantId, slug: string, userId: Id): Promise<EnrolmentDoc | null> {
  return Enrolment.findOne(scoped(tenantId, { slug, userId })).lean<EnrolmentDoc>();
}

export function enrolmentsOf(tenantId: TenantId, userId: Id): Promise<EnrolmentDoc[]> {
  return Enrolment.find(scoped(tenantId, { userId })).sort({ enrolledAt: -1 }).lean<EnrolmentDoc[]>();
}

export function enrolmentsIn(tenantId: TenantId, slug: string): Promise<EnrolmentDoc[]> {
  return Enrolment.find(scoped(tenantId, { slug })).sort({ enrolledAt: 1 }).lean<EnrolmentDoc[]>();
}

/** People per pathway and version: `${slug}` and `${slug}@${version}` → count. */
export async function enrolmentCounts(tenantId: TenantId): Promise<Map<string, number>> {
  const rows = await Enrolment.aggregate<{ _id: { slug: string; version: number }; n: number }>(
    scopedPipeline(tenantId, {}, [{ $group: { _id: { slug: '$slug', version: '$version' }, n: { $sum: 1 } } }]),
  );
  return countsBySlugAndVersion(rows);
}

/** People on pathways already, as `${slug}:${userId}`. */
export async function alreadyOn(tenantId: TenantId, slugs: string[], userIds: Id[]): Promise<Set<string>> {
  const rows = await Enrolment.find(scoped(tenantId, { slug: { $in: slugs }, userId: { $in: userIds } }), { slug: 1, userId: 1 }).lean<Pick<EnrolmentDoc, 'slug' | 'userId'>[]>();
  return new Set(rows.map((r) => `${r.slug}:${r.userId}`));
}

/** What reports count of an enrolment: who, which pathway, its goal's key, when it started and is due. */
export type ReportedEnrolment = Pick<EnrolmentDoc, '_id' | 'userId' | 'slug' | 'assignmentKey' | 'enrolledAt' | 'dueAt'>;

/** Enrolments matching the report filters (reports feature), only the fields reports count. */
export function reportEnrolments(tenantId: TenantId, f: EnrolmentFilter): Promise<ReportedEnrolment[]> {
  return Enrolment.find(scoped(tenantId, enrolmentMatch(f)), { userId: 1, slug: 1, assignmentKey: 1, enrolledAt: 1, dueAt: 1 }).lean<ReportedEnrolment[]>();
}
