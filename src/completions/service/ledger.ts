import { Types } from 'mongoose';
import { scoped, scopedPipeline, TenantId } from '../../db/tenancy';
import * as users from '../../users/service';
import { NotFound } from '../../kernel/errors';
import { CompletionEvent, CompletionEventDoc, EventStatus, SourceKind } from '../model';
import { isFailing, SOURCE_LABELS, tallyEvents } from '../rules';
import { listSources } from './sources';

// The ledger and the summary reports read.

export interface LedgerFilter {
  status?: EventStatus;
  source?: SourceKind;
  q?: string;
  limit?: number;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Newest first; `ignored-duplicate` also finds events that were delivered more than once. */
export async function listEvents(tenantId: TenantId, f: LedgerFilter = {}): Promise<CompletionEventDoc[]> {
  const and: Record<string, unknown>[] = [];
  if (f.status === 'ignored-duplicate') and.push({ $or: [{ status: 'ignored-duplicate' }, { duplicates: { $gt: 0 } }] });
  else if (f.status) and.push({ status: f.status });
  if (f.source) and.push({ source: f.source });
  const q = f.q?.trim();
  if (q) {
    const rx = { $regex: escapeRegex(q), $options: 'i' };
    const people = (await users.searchUsers(tenantId, q, 50)).map((u) => u._id);
    and.push({ $or: [{ userName: rx }, { userEmail: rx }, { lmsUserId: rx }, { courseId: rx }, { courseTitle: rx }, { userId: { $in: people } }] });
  }
  return CompletionEvent.find(scoped(tenantId, and.length ? { $and: and } : {}))
    .sort({ receivedAt: -1 })
    .limit(f.limit ?? 100)
    .select('-payload')
    .lean<CompletionEventDoc[]>();
}

export async function getEvent(tenantId: TenantId, eventId: Types.ObjectId | string): Promise<CompletionEventDoc> {
  const ev = Types.ObjectId.isValid(eventId) ? await CompletionEvent.findOne(scoped(tenantId, { _id: eventId })).lean<CompletionEventDoc>() : null;
  if (!ev) throw new NotFound('That completion event');
  return ev;
}

/** A teacher's own synced completions (their dashboard's sync history). */
export function recentForPerson(tenantId: TenantId, userId: Types.ObjectId, limit = 5): Promise<CompletionEventDoc[]> {
  return CompletionEvent.find(scoped(tenantId, { userId, status: { $in: ['applied', 'not-in-plan', 'ignored-duplicate'] } }))
    .sort({ completedAt: -1 })
    .limit(limit)
    .select('-payload -timeline')
    .lean<CompletionEventDoc[]>();
}

export interface UnmatchedCourse {
  system: string;
  courseId: string;
  title: string;
  events: number;
}

/** The statuses the PD-staff console and the reports show beside the total. */
const OVERVIEW_STATUSES = ['applied', 'unmatched-user', 'unmatched-course'] as const;

export interface SyncOverview {
  total: number;
  byStatus: Record<(typeof OVERVIEW_STATUSES)[number], number>;
  sources: { kind: SourceKind; label: string; enabled: boolean; lastSyncAt?: Date; lastRun?: { at?: Date; received?: number; duplicates?: number; ok?: boolean }; lastError?: { at?: Date; message?: string }; failing: boolean; stats: { received: number; duplicates: number; rejected: number } }[];
  unmatchedCourses: UnmatchedCourse[];
  unmatchedPeople: number;
}

export interface SyncSummary extends SyncOverview {
  byStatus: Record<EventStatus, number>;
  bySource: Record<SourceKind, Record<EventStatus, number>>;
}

async function unmatchedCourses(tenantId: TenantId): Promise<UnmatchedCourse[]> {
  const rows = await CompletionEvent.aggregate<{ _id: { system: string; courseId: string }; title: string; events: number }>(
    scopedPipeline(tenantId, { status: 'unmatched-course' }, [
      { $group: { _id: { system: '$system', courseId: '$courseId' }, title: { $max: '$courseTitle' }, events: { $sum: 1 } } },
      { $sort: { events: -1 } },
    ]),
  );
  return rows.map((r) => ({ system: r._id.system, courseId: r._id.courseId, title: r.title ?? '', events: r.events }));
}

async function sourceStatuses(tenantId: TenantId): Promise<SyncOverview['sources']> {
  return (await listSources(tenantId)).map((s) => ({
    kind: s.kind as SourceKind,
    label: SOURCE_LABELS[s.kind as SourceKind],
    enabled: s.enabled,
    lastSyncAt: s.lastSyncAt ?? undefined,
    lastRun: s.lastRun?.at ? { at: s.lastRun.at, received: s.lastRun.received ?? 0, duplicates: s.lastRun.duplicates ?? 0, ok: s.lastRun.ok ?? true } : undefined,
    lastError: s.lastError?.message ? { at: s.lastError.at ?? undefined, message: s.lastError.message } : undefined,
    failing: isFailing(s),
    stats: { received: s.stats?.received ?? 0, duplicates: s.stats?.duplicates ?? 0, rejected: s.stats?.rejected ?? 0 },
  }));
}

/**
 * Completion sync at a glance for the PD-staff console and the reports: the ledger's size and the events
 * applied or waiting, each a count an index answers, never a pass over the ledger (a district's holds
 * 1,000,000 entries); each source's last sync; the courses still waiting for a mapping.
 */
export async function syncOverview(tenantId: TenantId): Promise<SyncOverview> {
  const count = (filter: Record<string, unknown>) => CompletionEvent.countDocuments(scoped(tenantId, filter));
  const [total, counts, sources, courses] = await Promise.all([count({}), Promise.all(OVERVIEW_STATUSES.map((status) => count({ status }))), sourceStatuses(tenantId), unmatchedCourses(tenantId)]);
  const byStatus = Object.fromEntries(OVERVIEW_STATUSES.map((status, i) => [status, counts[i]])) as SyncOverview['byStatus'];
  return { total, byStatus, sources, unmatchedCourses: courses, unmatchedPeople: byStatus['unmatched-user'] };
}

/**
 * Completion sync in full (its own page): events by status and source,
 * each source's last sync, and the courses still waiting for a mapping. Deliveries ignored as
 * duplicates count under ignored-duplicate.
 */
export async function syncSummary(tenantId: TenantId): Promise<SyncSummary> {
  const rows = await CompletionEvent.aggregate<{ _id: { source: SourceKind; status: EventStatus }; n: number; duplicates: number }>(
    scopedPipeline(tenantId, {}, [{ $group: { _id: { source: '$source', status: '$status' }, n: { $sum: 1 }, duplicates: { $sum: '$duplicates' } } }]),
  );
  const { total, byStatus, bySource } = tallyEvents(rows);
  const sources = await sourceStatuses(tenantId);
  return { total, byStatus, bySource, sources, unmatchedCourses: await unmatchedCourses(tenantId), unmatchedPeople: byStatus['unmatched-user'] };
}
