import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import type { LmsCompletion } from '../../lms/canvas';
import { unseal } from '../../secrets';
import * as tenants from '../../tenants/service';
import { CompletionEvent, CompletionSource, CompletionSourceDoc } from '../model';
import { isDue, mergeWatermarks, POLL_ID_KIND, PollKind } from '../rules';
import { BatchResult, fromLms, ingestNew } from './ingest';
import { listMappings } from './mappings';
import { getSource } from './sources';

// Pollers (src/completions/jobs.ts drives them).

/** Enabled, fully configured pollers of this kind whose interval has passed, across tenants. */
export async function duePollers(kind: PollKind, now = new Date()): Promise<CompletionSourceDoc[]> {
  const due: CompletionSourceDoc[] = [];
  for (const tenant of await tenants.listTenants()) {
    const source = await CompletionSource.findOne(scoped(tenant._id, { kind, enabled: true })).lean<CompletionSourceDoc>();
    if (source?.baseUrl && source.sealedApiToken && isDue(source, now)) due.push(source);
  }
  return due;
}

export function pollerCredentials(source: CompletionSourceDoc): { baseUrl: string; token: string } {
  return { baseUrl: source.baseUrl!, token: unseal(source.sealedApiToken!) };
}

/** Platform courses worth polling: explicitly mapped ones and those catalog activities name. */
export async function mappedCourseIds(tenantId: TenantId): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of await listMappings(tenantId)) if (m.system === 'lms') ids.add(m.courseId);
  for (const a of await catalog.listActivities(tenantId, { includeRetired: true })) if (a.lmsCourseId) ids.add(a.lmsCourseId);
  return [...ids].sort();
}

/** LMS user ids that already have a completion of this course from this poller. */
export async function recordedLearners(tenantId: TenantId, kind: PollKind, courseId: string): Promise<Set<string>> {
  const rows = await CompletionEvent.find(scoped(tenantId, { source: kind, system: 'lms', courseId })).select('lmsUserId').lean<{ lmsUserId: string }[]>();
  return new Set(rows.map((r) => r.lmsUserId));
}

/** What a poller found: every poll sees all completions of a course again, so only new ones are recorded. */
export function ingestPolled(tenantId: TenantId, kind: PollKind, completions: LmsCompletion[]): Promise<BatchResult> {
  return ingestNew(tenantId, completions.map((c) => fromLms(kind, c, POLL_ID_KIND[kind])));
}

export interface PollRun {
  received: number;
  duplicates: number;
  error?: string;
  watermarks: { courseId: string; through?: Date }[];
}

/** Ends a poll: last run and its counts, the error if any, and each polled course's watermark. */
export async function recordPoll(tenantId: TenantId, kind: PollKind, run: PollRun, now = new Date()): Promise<void> {
  const source = await getSource(tenantId, kind);
  const set: Record<string, unknown> = { lastRun: { at: now, received: run.received, duplicates: run.duplicates, ok: !run.error }, watermarks: mergeWatermarks(source, run.watermarks, now) };
  if (run.error) set.lastError = { at: now, message: run.error };
  else set.lastSyncAt = now;
  await CompletionSource.updateOne(scoped(tenantId, { kind }), { $set: set });
}
