/**
 * Completion sync's rules, without I/O: how a completion is keyed, who and what it can match, what
 * applying it means, when pollers are due and how the ledger is counted. The service files do the reads
 * and writes around them.
 */
import type { Types } from 'mongoose';
import { EVENT_STATUSES, EventStatus, SOURCE_KINDS, SourceKind, UserIdKind } from './model';

export const SOURCE_LABELS: Record<SourceKind, string> = {
  'canvas-live': 'Canvas Live Events',
  'canvas-rest': 'Canvas course progress (REST)',
  'moodle-ws': 'Moodle course completion (web services)',
  webhook: 'Generic webhook',
  csv: 'CSV import',
  attendance: 'PD session attendance',
};

export const HOOK_KINDS = ['canvas-live', 'webhook'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];
export const POLL_KINDS = ['canvas-rest', 'moodle-ws'] as const;
export type PollKind = (typeof POLL_KINDS)[number];

// ---------------------------------------------------------------------------------------------
// Keying a completion

export interface CompletionInput {
  source: SourceKind;
  system?: string;
  courseId?: string;
  courseTitle?: string;
  activityId?: Types.ObjectId;
  lmsUserId: string;
  userIdKind: UserIdKind;
  userEmail?: string;
  userName?: string;
  completedAt: Date;
  /** The sender said "complete" without a time; the time is then not part of the idempotency key. */
  timeUnknown?: boolean;
  hours?: number;
  externalKey?: string;
  payload?: unknown;
}

/** source + platform course (or activity) + LMS user + completion time. */
export function idempotencyKey(i: CompletionInput): string {
  const course = i.courseId ? `${i.system ?? 'lms'}:${i.courseId}` : `activity:${String(i.activityId)}`;
  return [i.source, course, `${i.userIdKind}:${i.lmsUserId}`, i.timeUnknown ? 'completed' : i.completedAt.toISOString()].join('|');
}

/** The ledger fields of a completion: e-mail addresses (as ids too) are compared lower-case. */
export function eventFields(input: CompletionInput) {
  const email = input.userEmail?.trim().toLowerCase();
  return {
    source: input.source,
    system: input.system ?? 'lms',
    courseId: input.courseId,
    courseTitle: input.courseTitle ?? '',
    activityId: input.activityId,
    lmsUserId: input.userIdKind === 'email' ? input.lmsUserId.trim().toLowerCase() : input.lmsUserId,
    userIdKind: input.userIdKind,
    userEmail: email || undefined,
    userName: input.userName ?? '',
    completedAt: input.completedAt,
    hours: input.hours,
    externalKey: input.externalKey,
    payload: input.payload,
  };
}

const HOOK_TOKEN = /^([a-f0-9]{24})\.([\w-]{20,100})$/;

/** The tenant id a delivery URL token starts with, when the token is well formed. */
export function tenantOfHookToken(token: string | undefined): string | undefined {
  return HOOK_TOKEN.exec(token ?? '')?.[1];
}

// ---------------------------------------------------------------------------------------------
// Matching and applying

export const ID_KIND_LABELS: Record<UserIdKind, string> = { sub: 'LTI user id', canvasId: 'Canvas user id', moodleId: 'Moodle user id', email: 'email', sourcedId: 'SIS id' };

type EventIdentity = { userIdKind: string; lmsUserId: string; userEmail?: string | null };

/** The person is looked up by the event's id first, then by its e-mail when that is a different identifier. */
export function fallsBackToEmail(ev: EventIdentity): boolean {
  return !!ev.userEmail && ev.userIdKind !== 'email';
}

export function courseName(ev: { courseId?: string | null; courseTitle?: string | null; system?: string | null }): string {
  const id = ev.system && ev.system !== 'lms' ? `${ev.system} course ${ev.courseId}` : `course ${ev.courseId}`;
  return ev.courseTitle ? `${ev.courseTitle} (${id})` : id;
}

export function unmatchedCourseReason(ev: Parameters<typeof courseName>[0]): string {
  return `${courseName(ev)} is not mapped to a catalog activity; matched when PD staff add a mapping.`;
}

export function unmatchedPersonReason(ev: EventIdentity): string {
  const email = fallsBackToEmail(ev) ? ` or email ${ev.userEmail}` : '';
  return `No one with ${ID_KIND_LABELS[ev.userIdKind as UserIdKind]} ${ev.lmsUserId}${email} is known yet; matched when they first open PD Pathways.`;
}

const PLAN_SOURCE: Record<SourceKind, 'lms' | 'csv' | 'webhook' | 'attendance'> = { 'canvas-live': 'lms', 'canvas-rest': 'lms', 'moodle-ws': 'lms', webhook: 'webhook', csv: 'csv', attendance: 'attendance' };

/** How plans record where a completion came from. */
export function planSource(kind: SourceKind): 'lms' | 'csv' | 'webhook' | 'attendance' {
  return PLAN_SOURCE[kind];
}

export interface PlanResult<A> {
  activityId: Types.ObjectId;
  applied: A[];
  notInPlan?: boolean;
}

/**
 * What applying to the plans amounted to: done in some goal, not in the plan at all, or already done
 * everywhere (then still "applied" when an earlier try of this event applied it).
 */
export function applyOutcome(results: PlanResult<unknown>[], appliedBefore: number): { status: EventStatus; step: EventStatus; reason: string } {
  const applied = results.reduce((n, r) => n + r.applied.length, 0);
  if (applied) return { status: 'applied', step: 'applied', reason: `Marked done in ${applied} goal${applied === 1 ? '' : 's'}.` };
  if (results.every((r) => r.notInPlan)) return { status: 'not-in-plan', step: 'not-in-plan', reason: 'The activity is not in this person’s current plan.' };
  return { status: appliedBefore ? 'applied' : 'ignored-duplicate', step: 'ignored-duplicate', reason: 'Already done in every plan that has it (the first completion counts).' };
}

export const MAX_RETRY_MS = 60 * 60_000;

/** A failed event waits 10 s, 20 s, 40 s … (doubling per attempt) but never more than an hour. */
export function retryDelayMs(attempts: number | undefined | null): number {
  return Math.min(MAX_RETRY_MS, 5000 * 2 ** Math.min(attempts ?? 1, 12));
}

// ---------------------------------------------------------------------------------------------
// Replay

const ALIAS_KINDS = ['canvasId', 'moodleId', 'sourcedId', 'email'] as const;

type Person = { sub?: string | null; aliases?: Partial<Record<(typeof ALIAS_KINDS)[number], string | null>> | null };

/** Ledger filters for the events a person's identifiers can match (any one of them). */
export function identitiesOf(person: Person): Record<string, unknown>[] {
  const ids: Record<string, unknown>[] = [];
  if (person.sub) ids.push({ userIdKind: 'sub', lmsUserId: person.sub });
  for (const kind of ALIAS_KINDS) {
    const value = person.aliases?.[kind];
    if (value) ids.push({ userIdKind: kind, lmsUserId: value });
  }
  if (person.aliases?.email) ids.push({ userEmail: person.aliases.email });
  return ids;
}

/** A submitted, approved or renewed plan may hold activities the person already completed. */
export function planStatusReplays(status: string): boolean {
  return ['submitted', 'approved', 'renewed'].includes(status);
}

// ---------------------------------------------------------------------------------------------
// Pollers

type PollState = { lastRun?: { at?: Date | null } | null; pollMinutes?: number | null };

/** A poller runs again once its interval (15 minutes unless set) has passed since its last run. */
export function isDue(source: PollState, now: Date): boolean {
  const last = source.lastRun?.at;
  return !last || now.getTime() - last.getTime() >= (source.pollMinutes ?? 15) * 60_000;
}

type Watermarks = { watermarks?: { courseId: string; through?: Date | null; polledAt?: Date | null }[] | null };

export function watermark(source: Watermarks, courseId: string): Date | undefined {
  return source.watermarks?.find((w) => w.courseId === courseId)?.through ?? undefined;
}

/** Each polled course's watermark after a run: advanced when the run saw completions, kept otherwise. */
export function mergeWatermarks(source: Watermarks, polled: { courseId: string; through?: Date }[], now: Date) {
  const marks = new Map((source.watermarks ?? []).map((w) => [w.courseId, { courseId: w.courseId, through: w.through ?? undefined, polledAt: w.polledAt ?? undefined }]));
  for (const w of polled) marks.set(w.courseId, { courseId: w.courseId, through: w.through ?? marks.get(w.courseId)?.through, polledAt: now });
  return [...marks.values()];
}

export const POLL_ID_KIND: Record<PollKind, UserIdKind> = { 'canvas-rest': 'canvasId', 'moodle-ws': 'moodleId' };

const FAMILY_ID_KIND: Record<string, UserIdKind> = { canvas: 'canvasId', moodle: 'moodleId', other: 'sub' };

/** What an `lms_id` in a CSV file is, for a tenant on this platform family. */
export function lmsIdKindOf(family: string): UserIdKind {
  return FAMILY_ID_KIND[family] ?? 'sub';
}

// ---------------------------------------------------------------------------------------------
// The ledger at a glance

/** A source is failing while its latest outcome is an error: a successful sync after it clears the status. */
export function isFailing(s: { lastError?: { at?: Date | null; message?: string | null } | null; lastSyncAt?: Date | null }): boolean {
  const errorAt = s.lastError?.message ? (s.lastError.at?.getTime() ?? 0) : undefined;
  return errorAt !== undefined && errorAt >= (s.lastSyncAt?.getTime() ?? -1);
}

export function zeroCounts(): Record<EventStatus, number> {
  return Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<EventStatus, number>;
}

/** Events by status, overall and per source; deliveries ignored as duplicates count under ignored-duplicate. */
export function tallyEvents(rows: { _id: { source: SourceKind; status: EventStatus }; n: number; duplicates: number }[]) {
  const byStatus = zeroCounts();
  const bySource = Object.fromEntries(SOURCE_KINDS.map((k) => [k, zeroCounts()])) as Record<SourceKind, Record<EventStatus, number>>;
  let total = 0;
  for (const r of rows) {
    total += r.n;
    for (const counts of [byStatus, bySource[r._id.source]]) {
      counts[r._id.status] += r.n;
      counts['ignored-duplicate'] += r.duplicates;
    }
  }
  return { total, byStatus, bySource };
}

/** Courses whose id or title contains the search, those with most unmatched events first, then by name. */
export function seenCoursesMatching<C extends { courseId: string; title: string; unmatched: number }>(courses: C[], q: string): C[] {
  const needle = q.trim().toLowerCase();
  return courses
    .filter((c) => !needle || c.courseId.toLowerCase().includes(needle) || c.title.toLowerCase().includes(needle))
    .sort((a, b) => b.unmatched - a.unmatched || (a.title || a.courseId).localeCompare(b.title || b.courseId));
}

// ---------------------------------------------------------------------------------------------
// CSV import

/** A CSV row names a catalog activity by id or by title (case-insensitive, only when one activity has it). */
export function activityResolver(activities: { _id: unknown; title: string }[]) {
  const ids = new Set(activities.map((a) => String(a._id)));
  const byTitle = new Map<string, string[]>();
  for (const a of activities) byTitle.set(a.title.toLowerCase(), [...(byTitle.get(a.title.toLowerCase()) ?? []), String(a._id)]);
  return (row: { activity_id?: string; activity_title?: string }): { activityId?: string; error?: string } => {
    if (row.activity_id) return ids.has(row.activity_id.toLowerCase()) ? { activityId: row.activity_id.toLowerCase() } : { error: 'No activity with this id in the catalog' };
    if (!row.activity_title) return {};
    const matches = byTitle.get(row.activity_title.toLowerCase()) ?? [];
    if (matches.length === 1) return { activityId: matches[0] };
    return { error: matches.length ? 'Several activities have this title; use activity_id' : 'No activity with this title in the catalog' };
  };
}

// ---------------------------------------------------------------------------------------------
// Source settings

type Settings = { enabled: boolean; jwksUrl?: string; baseUrl?: string; apiToken?: string };

/** What an enabled source still needs: Live Events a keyset, pollers an address and a token (new or stored). */
export function settingsProblems(kind: SourceKind, input: Settings, hasStoredToken: boolean): Record<string, string> {
  const errors: Record<string, string> = {};
  if (kind === 'canvas-live' && !input.jwksUrl) errors.jwksUrl = 'Enter the keyset URL Canvas signs Live Events with';
  if ((kind === 'canvas-rest' || kind === 'moodle-ws') && input.enabled) {
    if (!input.baseUrl) errors.baseUrl = kind === 'canvas-rest' ? 'Enter your Canvas address, e.g. https://district.instructure.com' : 'Enter your Moodle address (its wwwroot)';
    if (!input.apiToken && !hasStoredToken) errors.apiToken = kind === 'canvas-rest' ? 'Paste an admin API token' : 'Paste a web-service token';
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// The course as a teacher reads it

const PLATFORM_OF: Partial<Record<SourceKind, string>> = { 'canvas-live': 'Canvas', 'canvas-rest': 'Canvas', 'moodle-ws': 'Moodle' };
const SENT_BY: Partial<Record<SourceKind, string>> = { webhook: 'sent by your district’s webhook', csv: 'from a CSV import' };

export interface CourseFacts {
  source: string;
  system?: string | null;
  courseId?: string | null;
  courseTitle?: string | null;
}

/**
 * The course as a teacher reads it: the title the LMS sent or that is known for it; without one,
 * which course of which platform it was ("Moodle course 91"), never a bare id.
 */
export function courseInWords(ev: CourseFacts): string {
  if (ev.courseTitle) return ev.courseTitle;
  const kind = ev.source as SourceKind;
  if (!ev.courseId) return `A catalog activity ${SENT_BY[kind] ?? 'from your LMS'}`;
  const platform = PLATFORM_OF[kind];
  if (platform) return `${platform} course ${ev.courseId}`;
  const where = ev.system && ev.system !== 'lms' ? ` in ${ev.system}` : '';
  return `Course ${ev.courseId}${where} (${SENT_BY[kind] ?? 'from your LMS'})`;
}
