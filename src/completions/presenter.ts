import type { FieldErrors } from '../kernel/errors';
import { isoDate, isoMoment } from '../web/format';
import { courseInWords } from './rules';
import {
  CompletionEventDoc,
  CompletionImportDoc,
  CompletionMappingDoc,
  CompletionSourceDoc,
  EVENT_STATUSES,
  EventStatus,
  hookPath,
  HOOK_KINDS,
  isFailing,
  HookKind,
  POLL_KINDS,
  RowError,
  SeenCourse,
  SOURCE_KINDS,
  SOURCE_LABELS,
  SourceKind,
  SyncOverview,
  SyncSummary,
} from './service';

export const STATUS_LABELS: Record<EventStatus, string> = {
  received: 'Received',
  matched: 'Matched',
  'unmatched-user': 'Person not known yet',
  'unmatched-course': 'Course not mapped',
  'ignored-duplicate': 'Duplicate, ignored',
  applied: 'Applied to plan',
  'not-in-plan': 'Not in a plan',
};

const STEP_LABELS: Record<string, string> = { replay: 'Replayed', error: 'Failed, will retry' };

const STATUS_TONE: Record<EventStatus, '' | 'ok' | 'warn' | 'bad'> = {
  received: '',
  matched: '',
  'unmatched-user': 'warn',
  'unmatched-course': 'warn',
  'ignored-duplicate': '',
  applied: 'ok',
  'not-in-plan': '',
};

const SOURCE_HELP: Record<SourceKind, string> = {
  'canvas-live': 'Canvas sends course_completed the moment a learner finishes a course (Canvas Data Services subscription).',
  'canvas-rest': 'PD Pathways asks Canvas for course progress of mapped courses on a schedule (an admin API token).',
  'moodle-ws': 'PD Pathways asks Moodle for course completion of mapped courses on a schedule (a web-service token).',
  webhook: 'Any LMS, SIS or automation posts HMAC-signed JSON completion events.',
  csv: 'PD staff upload completions and provider certificates from a spreadsheet.',
  attendance: 'Facilitators take attendance of PD sessions (roster or sign-in code); each attended session is one completion. Always on.',
};

export function isSourceKind(v: string): v is SourceKind {
  return (SOURCE_KINDS as readonly string[]).includes(v);
}

export function isHookKind(v: string): v is HookKind {
  return (HOOK_KINDS as readonly string[]).includes(v);
}

function statusOf(status: string) {
  const s = status as EventStatus;
  return { status: s, label: STATUS_LABELS[s] ?? status, tone: STATUS_TONE[s] ?? '' };
}

/** One source as the console lists it: on/off, last sync and what it delivered, the last error. */
function sourceStatusView(s: SyncOverview['sources'][number]) {
  return {
    kind: s.kind,
    label: s.label,
    help: SOURCE_HELP[s.kind],
    enabled: s.enabled,
    lastSync: isoMoment(s.lastSyncAt),
    lastRun: s.lastRun ? { at: isoMoment(s.lastRun.at), received: s.lastRun.received ?? 0 } : undefined,
    received: s.stats.received,
    duplicates: s.stats.duplicates,
    rejected: s.stats.rejected,
    ...errorState(s),
  };
}

/** The sync page's card for one source: its status and its events applied and waiting. */
export function sourceCard(s: SyncSummary['sources'][number], events: Record<EventStatus, number>) {
  return { ...sourceStatusView(s), applied: events.applied, waiting: events['unmatched-user'] + events['unmatched-course'] };
}

const namedCourses = (courses: SyncOverview['unmatchedCourses']) => courses.map((c) => ({ ...c, name: c.title ? `${c.title} (${c.courseId})` : c.courseId }));

/** The error is the status only while no sync succeeded after it; an older one stays visible as history. */
function errorState(s: { lastError?: { at?: Date | null; message?: string | null }; failing: boolean }) {
  const error = s.lastError?.message ? { at: isoMoment(s.lastError.at), message: s.lastError.message } : undefined;
  return s.failing ? { lastError: error, earlierError: undefined } : { lastError: undefined, earlierError: error };
}

export function summaryView(summary: SyncSummary) {
  return {
    total: summary.total,
    counts: EVENT_STATUSES.map((s) => ({ ...statusOf(s), count: summary.byStatus[s] })),
    sources: summary.sources.map((s) => sourceCard(s, summary.bySource[s.kind])),
    unmatchedCourses: namedCourses(summary.unmatchedCourses),
    unmatchedPeople: summary.unmatchedPeople,
  };
}

/** The PD-staff console's panel: the ledger's size, what waits, each source's status. */
export function overviewView(overview: SyncOverview) {
  return { total: overview.total, sources: overview.sources.map(sourceStatusView), unmatchedCourses: namedCourses(overview.unmatchedCourses), unmatchedPeople: overview.unmatchedPeople };
}

export interface SourceFormValues {
  enabled: boolean;
  jwksUrl: string;
  acceptUnsigned: boolean;
  baseUrl: string;
  pollMinutes: string;
}

export function sourceValues(s: CompletionSourceDoc): SourceFormValues {
  return { enabled: s.enabled, jwksUrl: s.jwksUrl ?? '', acceptUnsigned: s.acceptUnsigned ?? false, baseUrl: s.baseUrl ?? '', pollMinutes: String(s.pollMinutes ?? 15) };
}

export function valuesFromForm(body: Record<string, unknown>): SourceFormValues {
  const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const on = (k: string) => ['on', 'true', '1'].includes(text(k));
  return { enabled: on('enabled'), jwksUrl: text('jwksUrl'), acceptUnsigned: on('acceptUnsigned'), baseUrl: text('baseUrl'), pollMinutes: text('pollMinutes') };
}

/** The settings page of one source (secrets are never shown here, only whether they exist). */
export function sourcePage(s: CompletionSourceDoc, values: SourceFormValues, errors: FieldErrors = {}) {
  const kind = s.kind as SourceKind;
  return {
    kind,
    label: SOURCE_LABELS[kind],
    help: SOURCE_HELP[kind],
    values,
    errors,
    isHook: isHookKind(kind),
    isPoller: (POLL_KINDS as readonly string[]).includes(kind),
    hookPath: isHookKind(kind) ? hookPath(kind) : undefined,
    secretsIssued: isoMoment(s.secretsIssuedAt),
    tokenStored: !!s.sealedApiToken,
    unsignedAccepted: kind === 'canvas-live' && !!s.acceptUnsigned,
    lastSync: isoMoment(s.lastSyncAt),
    ...errorState({ lastError: s.lastError ?? undefined, failing: isFailing(s) }),
    watermarks: (s.watermarks ?? []).map((w) => ({ courseId: w.courseId, through: isoMoment(w.through), polledAt: isoMoment(w.polledAt) })),
  };
}

function person(ev: CompletionEventDoc): string {
  return ev.userName || ev.userEmail || ev.lmsUserId;
}

function course(ev: Pick<CompletionEventDoc, 'courseId' | 'courseTitle' | 'activityId' | 'system'>): string {
  if (!ev.courseId) return ev.courseTitle || `activity ${String(ev.activityId)}`;
  const id = ev.system && ev.system !== 'lms' ? `${ev.system}:${ev.courseId}` : ev.courseId;
  return ev.courseTitle ? `${ev.courseTitle} (${id})` : id;
}

export function ledgerRow(ev: CompletionEventDoc) {
  return {
    id: String(ev._id),
    received: isoMoment(ev.receivedAt),
    completed: isoDate(ev.completedAt),
    source: SOURCE_LABELS[ev.source as SourceKind] ?? ev.source,
    person: person(ev),
    course: course(ev),
    ...statusOf(ev.status),
    duplicates: ev.duplicates ?? 0,
    reason: ev.reason ?? '',
  };
}

export function eventPage(ev: CompletionEventDoc) {
  const idLabel: Record<string, string> = { sub: 'LTI user id', canvasId: 'Canvas user id', moodleId: 'Moodle user id', email: 'Email', sourcedId: 'SIS id' };
  return {
    ...ledgerRow(ev),
    lmsUser: `${idLabel[ev.userIdKind] ?? ev.userIdKind} ${ev.lmsUserId}`,
    email: ev.userEmail ?? '',
    hours: ev.hours ?? undefined,
    certificate: typeof (ev.payload as { certificate?: unknown } | undefined)?.certificate === 'string' ? (ev.payload as { certificate: string }).certificate : undefined,
    attempts: ev.attempts ?? 0,
    lastError: ev.lastError ?? '',
    applied: (ev.applied ?? []).length,
    replayable: !['received', 'matched'].includes(ev.status),
    timeline: (ev.timeline ?? []).map((t) => ({ at: isoMoment(t.at), step: STEP_LABELS[t.step] ?? STATUS_LABELS[t.step as EventStatus] ?? t.step, detail: t.detail })),
  };
}

export function statusOptions() {
  return EVENT_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }));
}

export function sourceOptions() {
  return SOURCE_KINDS.map((k) => ({ value: k, label: SOURCE_LABELS[k] }));
}

export function courseRow(c: SeenCourse, activityTitles: Map<string, string>) {
  const mapped = c.mapping ? activityTitles.get(String(c.mapping.activityId)) ?? 'an activity no longer in the catalog' : undefined;
  return {
    system: c.system,
    courseId: c.courseId,
    name: c.title ? `${c.title} (${c.system === 'lms' ? '' : `${c.system}:`}${c.courseId})` : `${c.system === 'lms' ? '' : `${c.system}:`}${c.courseId}`,
    events: c.events,
    unmatched: c.unmatched,
    seenIn: [c.launched ? 'launches' : '', c.events ? 'completion events' : ''].filter(Boolean).join(' and '),
    mappedTo: mapped,
    mappingId: c.mapping ? String(c.mapping._id) : undefined,
    linkedActivities: c.linkedActivities,
  };
}

export function mappingRow(m: CompletionMappingDoc, activityTitles: Map<string, string>) {
  return {
    id: String(m._id),
    course: m.courseTitle ? `${m.courseTitle} (${m.system === 'lms' ? '' : `${m.system}:`}${m.courseId})` : `${m.system === 'lms' ? '' : `${m.system}:`}${m.courseId}`,
    activity: activityTitles.get(String(m.activityId)) ?? 'an activity no longer in the catalog',
    by: m.createdBy?.name ?? '',
  };
}

export function importErrorsView(errors: RowError[]) {
  return errors.slice(0, 200).map((e) => ({ line: e.line, field: e.field, message: e.message }));
}

export function importStatus(doc: CompletionImportDoc) {
  const percent = doc.total ? Math.floor((doc.done / doc.total) * 100) : 100;
  return { id: String(doc._id), file: doc.fileName, status: doc.status, total: doc.total, done: doc.done, percent, received: doc.received, duplicates: doc.duplicates };
}

/** A teacher's own history: what synced, and what happened to it. */
export function historyRow(ev: CompletionEventDoc) {
  return { course: courseInWords(ev), completed: isoDate(ev.completedAt), source: SOURCE_LABELS[ev.source as SourceKind] ?? ev.source, ...statusOf(ev.status) };
}
