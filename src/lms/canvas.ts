import { decodeProtectedHeader, jwtVerify } from 'jose';
import { RemoteKeysets } from '../kernel/keysets';
import { z } from 'zod';
import { ServiceError } from '../kernel/http';
import { expectJson, lmsFetch, pages } from './http';

/** A course completion as an LMS reports it, before it is matched to a person or activity. */
export interface LmsCompletion {
  courseId: string;
  courseTitle?: string;
  lmsUserId: string;
  userName?: string;
  userEmail?: string;
  completedAt: Date;
  /** The LMS said "complete" without a time: completedAt is when we first saw it, and not part of the event's identity. */
  timeUnknown?: boolean;
  externalKey?: string;
}

const id = z.union([z.string().min(1), z.number()]).transform(String);
const when = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'not a date');

/** Canvas Live Events envelope (Canvas format): metadata + body; course_completed carries course, progress, user. */
const LiveEvent = z.object({ metadata: z.object({ event_name: z.string() }).passthrough(), body: z.object({}).passthrough() });

const CourseCompleted = z
  .object({
    metadata: z.object({ event_time: when.optional(), request_id: z.string().optional() }).passthrough(),
    body: z.object({
      course: z.object({ id, name: z.string().nullish() }).passthrough(),
      progress: z.object({ completed_at: when.nullish() }).passthrough().nullish(),
      user: z.object({ id, name: z.string().nullish(), email: z.string().nullish() }).passthrough(),
    }),
  })
  .refine((e) => e.body.progress?.completed_at ?? e.metadata.event_time, { message: 'A course_completed event needs a completion time', path: ['body', 'progress', 'completed_at'] });

export type LiveEventResult = { kind: 'completion'; completion: LmsCompletion } | { kind: 'other'; eventName: string };

/**
 * Reads a Live Events envelope. Ids in the body are the local Canvas ids ($Canvas.user.id), the ones
 * launches teach us; metadata ids carry the shard prefix and are not used.
 */
export function readLiveEvent(envelope: unknown): LiveEventResult {
  const name = LiveEvent.parse(envelope).metadata.event_name;
  if (name !== 'course_completed') return { kind: 'other', eventName: name };
  const { metadata, body } = CourseCompleted.parse(envelope);
  return {
    kind: 'completion',
    completion: {
      courseId: body.course.id,
      courseTitle: body.course.name ?? undefined,
      lmsUserId: body.user.id,
      userName: body.user.name ?? undefined,
      userEmail: body.user.email ?? undefined,
      completedAt: new Date((body.progress?.completed_at ?? metadata.event_time)!),
      externalKey: metadata.request_id,
    },
  };
}

/** Canvas rotates its Live Events keys monthly; the keyset URL is a PD-staff setting, so it is fetched through the SSRF guard. */
const keysets = new RemoteKeysets();

/** Verifies a signed Live Events delivery (RS256, kid from the keyset) and returns the event it carries. */
export async function verifyLiveEventJwt(jwt: string, jwksUrl: string): Promise<unknown> {
  const { kid } = decodeProtectedHeader(jwt); // a malformed token fails here with a clear error
  const key = await keysets.keyFor(jwksUrl, kid);
  const { payload } = await jwtVerify(jwt, key, { algorithms: ['RS256', 'RS384', 'RS512', 'ES256'], clockTolerance: 60 });
  return payload;
}

const Progress = z.object({ completed_at: when.nullish() }).passthrough();
const BulkProgressRow = z.object({ id, display_name: z.string().nullish(), progress: Progress.nullish() }).passthrough();
const Course = z.object({ id, name: z.string().nullish() }).passthrough();
const Student = z.object({ id, name: z.string().nullish(), email: z.string().nullish() }).passthrough();

/** The Canvas REST API with an admin-issued token. */
export class CanvasApi {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  private get headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** The course's name as Canvas shows it (GET /api/v1/courses/:id). */
  async courseTitle(courseId: string): Promise<string | undefined> {
    const res = await lmsFetch({ url: `${this.base}/api/v1/courses/${encodeURIComponent(courseId)}`, headers: this.headers });
    return Course.parse(await expectJson(res, 'Canvas course')).name || undefined;
  }

  /**
   * Every completion in a course: one paginated bulk_user_progress listing where Canvas offers it,
   * else the course's students and each one's progress.
   */
  async *courseCompletions(courseId: string): AsyncGenerator<LmsCompletion> {
    try {
      yield* this.bulkCompletions(courseId);
    } catch (err) {
      if (!(err instanceof ServiceError && err.status === 404)) throw err;
      yield* this.perStudentCompletions(courseId);
    }
  }

  private async *bulkCompletions(courseId: string): AsyncGenerator<LmsCompletion> {
    const url = `${this.base}/api/v1/courses/${encodeURIComponent(courseId)}/bulk_user_progress?per_page=100`;
    for await (const page of pages<unknown>(url, this.headers, 'Canvas bulk_user_progress')) {
      for (const raw of page) {
        const row = BulkProgressRow.parse(raw);
        const at = row.progress?.completed_at;
        if (at) yield { courseId, lmsUserId: row.id, userName: row.display_name ?? undefined, completedAt: new Date(at) };
      }
    }
  }

  private async *perStudentCompletions(courseId: string): AsyncGenerator<LmsCompletion> {
    const course = `${this.base}/api/v1/courses/${encodeURIComponent(courseId)}`;
    for await (const page of pages<unknown>(`${course}/users?enrollment_type[]=student&per_page=100`, this.headers, 'Canvas course users')) {
      for (const raw of page) {
        const student = Student.parse(raw);
        const res = await lmsFetch({ url: `${course}/users/${encodeURIComponent(student.id)}/progress`, headers: this.headers });
        const progress = Progress.parse(await expectJson(res, 'Canvas course progress'));
        if (progress.completed_at) {
          yield { courseId, lmsUserId: student.id, userName: student.name ?? undefined, userEmail: student.email ?? undefined, completedAt: new Date(progress.completed_at) };
        }
      }
    }
  }
}
