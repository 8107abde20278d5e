import * as completions from './service';
import type { CompletionSourceDoc, PollKind } from './service';
import { CanvasApi, LmsCompletion } from '../lms/canvas';
import { ServiceError } from '../kernel/http';
import { MoodleError, MoodleWs } from '../lms/moodle';
import { logger } from '../log';
import { acquireLease, releaseLease } from '../jobs/lease';
import { addJob } from '../jobs/scheduler';

/** A poll holds its tenant's lease this long and renews it after each course. */
const POLL_LEASE_MS = 10 * 60_000;
/** Pollers look back this far behind their watermark: completion times can arrive late. */
const WATERMARK_OVERLAP_MS = 60 * 60_000;

/** The token or the whole API is refused: polling further courses would only repeat the error. */
function stopsThePoll(err: unknown): boolean {
  if (err instanceof MoodleError) return err.affectsEveryCall;
  return err instanceof ServiceError && (err.status === 401 || err.status === 403);
}

function describe(err: unknown, courseId: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return `course ${courseId}: ${message}`;
}

/**
 * Names new completions with the course's title from the LMS (asked once per course and poll, only when
 * something new was found). A platform that refuses to say leaves the title unknown; the poll goes on.
 */
async function titled(found: LmsCompletion[], courseId: string, title: () => Promise<string | undefined>): Promise<LmsCompletion[]> {
  if (!found.length) return found;
  const courseTitle = await title().catch((err: unknown) => {
    logger().info({ courseId, err: err instanceof Error ? err.message : String(err) }, 'the LMS gave no course title');
    return undefined;
  });
  return courseTitle ? found.map((c) => ({ ...c, courseTitle })) : found;
}

/** Completions the LMS reports for one course that the ledger may not have yet. */
type CourseReader = (courseId: string, since: Date | undefined, source: CompletionSourceDoc) => Promise<LmsCompletion[]>;

function canvasReader(source: CompletionSourceDoc): CourseReader {
  const { baseUrl, token } = completions.pollerCredentials(source);
  const api = new CanvasApi(baseUrl, token);
  return async (courseId, since) => {
    const found: LmsCompletion[] = [];
    const after = since ? since.getTime() - WATERMARK_OVERLAP_MS : -Infinity;
    for await (const c of api.courseCompletions(courseId)) if (c.completedAt.getTime() > after) found.push(c);
    return titled(found, courseId, () => api.courseTitle(courseId));
  };
}

/** Moodle has no "completed since": it asks about the enrolled people not yet known to have completed. */
function moodleReader(source: CompletionSourceDoc): CourseReader {
  const { baseUrl, token } = completions.pollerCredentials(source);
  const ws = new MoodleWs(baseUrl, token);
  return async (courseId) => {
    const recorded = await completions.recordedLearners(source.tenantId, 'moodle-ws', courseId);
    const found: LmsCompletion[] = [];
    for (const person of await ws.enrolledUsers(courseId)) {
      if (recorded.has(String(person.id))) continue;
      try {
        const done = await ws.courseCompletion(courseId, person);
        if (done) found.push(done);
      } catch (err) {
        // Enrolled but not tracked (e.g. a teacher) is not a failure of the course.
        if (!(err instanceof MoodleError && err.errorcode === 'usernotenroled')) throw err;
      }
    }
    return titled(found, courseId, () => ws.courseTitle(courseId));
  };
}

const READERS: Record<PollKind, (source: CompletionSourceDoc) => CourseReader> = { 'canvas-rest': canvasReader, 'moodle-ws': moodleReader };

/**
 * One poll of one tenant's source, under a per-tenant lease so no two instances poll it at once:
 * each mapped course is read, new completions are ingested, and the course's watermark advances.
 */
export async function pollSource(source: CompletionSourceDoc): Promise<'polled' | 'busy'> {
  const lease = `poll:${source.kind}:${String(source.tenantId)}`;
  if (!(await acquireLease(lease, POLL_LEASE_MS))) return 'busy';
  const kind = source.kind as PollKind;
  const run: completions.PollRun = { received: 0, duplicates: 0, watermarks: [] };
  const errors: string[] = [];
  try {
    const read = READERS[kind](source);
    for (const courseId of await completions.mappedCourseIds(source.tenantId)) {
      try {
        const since = completions.watermark(source, courseId);
        const found = await read(courseId, since, source);
        const result = await completions.ingestPolled(source.tenantId, kind, found);
        run.received += result.received;
        run.duplicates += result.duplicates;
        const latest = Math.max(since?.getTime() ?? 0, ...found.map((c) => c.completedAt.getTime()));
        run.watermarks.push({ courseId, through: latest > 0 ? new Date(latest) : undefined });
      } catch (err) {
        errors.push(describe(err, courseId));
        if (stopsThePoll(err)) break;
      }
      await acquireLease(lease, POLL_LEASE_MS);
    }
  } finally {
    if (errors.length) logger().warn({ tenantId: String(source.tenantId), source: kind, errors }, 'completion poll had errors');
    await completions.recordPoll(source.tenantId, kind, { ...run, error: errors.length ? errors.slice(0, 3).join('; ') : undefined });
    await releaseLease(lease);
  }
  return 'polled';
}

export async function pollDue(kind: PollKind): Promise<void> {
  for (const source of await completions.duePollers(kind)) await pollSource(source);
}

/** The completion-sync background work: the event processor, the two pollers and the CSV import runner. */
export function addCompletionJobs(): void {
  addJob({ name: 'completions:process', everyMs: 10_000, jitter: 0.3, singleton: false, run: async () => void (await completions.processPending()) });
  addJob({ name: 'completions:imports', everyMs: 15_000, jitter: 0.3, singleton: false, run: () => completions.resumeImports() });
  addJob({ name: 'completions:poll-canvas', everyMs: 60_000, jitter: 0.2, singleton: true, run: () => pollDue('canvas-rest') });
  addJob({ name: 'completions:poll-moodle', everyMs: 60_000, jitter: 0.2, singleton: true, run: () => pollDue('moodle-ws') });
}
