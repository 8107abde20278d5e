import { z } from 'zod';
import type { LmsCompletion } from './canvas';
import { expectJson, lmsFetch } from './http';

/** Moodle answers web-service errors with HTTP 200 and an exception body; this carries its errorcode. */
export class MoodleError extends Error {
  constructor(
    readonly errorcode: string,
    message: string,
  ) {
    super(message);
  }

  /** The token or its capabilities are wrong: no other call will work either. */
  get affectsEveryCall(): boolean {
    return ['invalidtoken', 'accessexception', 'servicerequireslogin', 'webservicesnotenabled', 'invalidrecord', 'sitemaintenance'].includes(this.errorcode);
  }
}

const MoodleException = z.object({ exception: z.string(), errorcode: z.string().default('unknown'), message: z.string().default('') }).passthrough();

const EnrolledUser = z.object({ id: z.number(), fullname: z.string().nullish(), email: z.string().nullish() }).passthrough();

const CoursesByField = z.object({ courses: z.array(z.object({ id: z.number(), fullname: z.string().nullish(), displayname: z.string().nullish() }).passthrough()).default([]) }).passthrough();

const CompletionStatus = z.object({
  completionstatus: z.object({
    completed: z.boolean(),
    completions: z.array(z.object({ timecompleted: z.number().nullish() }).passthrough()).default([]),
  }),
});

/** Moodle's REST web services (/webservice/rest/server.php) with a tenant's token. */
export class MoodleWs {
  private readonly endpoint: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.endpoint = `${baseUrl.replace(/\/+$/, '')}/webservice/rest/server.php`;
  }

  /** POSTs the call so the token never appears in a URL (or a proxy's log). */
  async call(wsfunction: string, params: Record<string, string>): Promise<unknown> {
    const res = await lmsFetch({ url: this.endpoint, method: 'POST', form: { wstoken: this.token, wsfunction, moodlewsrestformat: 'json', ...params } });
    const body = await expectJson<unknown>(res, `Moodle ${wsfunction}`);
    const failure = MoodleException.safeParse(body);
    if (failure.success) throw new MoodleError(failure.data.errorcode, `Moodle ${wsfunction} failed: ${failure.data.errorcode}${failure.data.message ? ` (${failure.data.message})` : ''}`);
    return body;
  }

  async enrolledUsers(courseId: string): Promise<z.infer<typeof EnrolledUser>[]> {
    const body = await this.call('core_enrol_get_enrolled_users', { courseid: courseId, 'options[0][name]': 'onlyactive', 'options[0][value]': '1' });
    return z.array(EnrolledUser).parse(body);
  }

  /** The course's full name (core_course_get_courses_by_field), when Moodle has the course. */
  async courseTitle(courseId: string): Promise<string | undefined> {
    const body = CoursesByField.parse(await this.call('core_course_get_courses_by_field', { field: 'id', value: courseId }));
    const course = body.courses.find((c) => String(c.id) === courseId);
    return course?.fullname || course?.displayname || undefined;
  }

  /**
   * The person's course completion, when complete. Moodle reports no course-level time, so it is the
   * latest criterion time; completion itself is computed by Moodle's cron, so it lags a cycle.
   */
  async courseCompletion(courseId: string, user: { id: number; fullname?: string | null; email?: string | null }): Promise<LmsCompletion | undefined> {
    const body = CompletionStatus.parse(await this.call('core_completion_get_course_completion_status', { courseid: courseId, userid: String(user.id) }));
    if (!body.completionstatus.completed) return undefined;
    const latest = Math.max(0, ...body.completionstatus.completions.map((c) => c.timecompleted ?? 0));
    return {
      courseId,
      lmsUserId: String(user.id),
      userName: user.fullname ?? undefined,
      userEmail: user.email ?? undefined,
      completedAt: latest > 0 ? new Date(latest * 1000) : new Date(),
      ...(latest > 0 ? {} : { timeUnknown: true }),
    };
  }
}
