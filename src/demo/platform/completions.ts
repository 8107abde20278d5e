import { randomBytes, randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { SimCore } from './core';
import { PlatformKeys } from './keys';
import { paginate, sendPage, serviceError } from './services';
import type { SimCourse, SimUser } from './types';

const REQUIREMENTS = 4;
const RATE_LIMIT_BUDGET = 700;
/** Where the simulated Canvas publishes its Live Events keys (real Canvas uses a separate AWS-hosted keyset). */
export const LIVE_EVENTS_JWKS_PATH = '/api/live_events/jwks';
const MOODLE_WS_PATH = '/webservice/rest/server.php';

interface Completion {
  at: Date;
  /** Moodle computes course completion in its cron task; until it runs the course is not complete. */
  awaitingCron: boolean;
}

export interface LiveEventOptions {
  signed?: boolean;
  completedAt?: Date;
  /** Send another event name (the tool must ignore anything but course_completed). */
  eventName?: string;
}

/**
 * Course completion as the platform reports it: Canvas's course progress REST API and Live Events
 * (course_completed, JSON or signed JWT), Moodle's core_completion web service. Tokens are the
 * platform's admin API token (Canvas) or web-service token (Moodle).
 */
export class CompletionsSim {
  readonly apiToken = randomBytes(24).toString('hex');
  /** Canvas instances without bulk_user_progress answer 404 there. */
  bulkProgressAvailable = true;
  /** Whether the token may read course names (a Moodle service without core_course_get_courses_by_field may not). */
  courseNamesAvailable = true;
  /** Canvas caps per_page (at 100); tests lower it to see pagination. */
  maxPerPage = 100;
  private readonly done = new Map<string, Completion>();
  private readonly liveKeys = new PlatformKeys();

  constructor(private readonly core: SimCore) {}

  async init(): Promise<void> {
    await this.liveKeys.init();
  }

  get liveEventsJwksUrl(): string {
    return this.core.urls.base + LIVE_EVENTS_JWKS_PATH;
  }

  /** A new Live Events signing key; the old one stays published. Returns its kid. */
  rotateLiveEventsKey(): Promise<string> {
    return this.liveKeys.rotate();
  }

  /** The learner finished every module requirement of the course. */
  complete(courseId: string, userSub: string, at = new Date(), opts: { awaitingCron?: boolean } = {}): void {
    this.core.directory.course(courseId);
    this.core.directory.user(userSub);
    this.done.set(`${courseId} ${userSub}`, { at, awaitingCron: opts.awaitingCron ?? false });
  }

  /** Moodle's completion_regular_task: completions waiting for cron become visible. */
  runCompletionCron(): void {
    for (const c of this.done.values()) c.awaitingCron = false;
  }

  private completion(courseId: string, userSub: string): Completion | undefined {
    const c = this.done.get(`${courseId} ${userSub}`);
    return c && !(this.core.profile.flavor === 'moodle' && c.awaitingCron) ? c : undefined;
  }

  /** The Live Events envelope Canvas sends for a course_completed event (Canvas format). */
  liveEvent(courseId: string, userSub: string, opts: LiveEventOptions = {}): Record<string, unknown> {
    const course = this.core.directory.course(courseId);
    const user = this.core.directory.user(userSub);
    const at = opts.completedAt ?? this.done.get(`${courseId} ${userSub}`)?.at ?? new Date();
    return {
      metadata: {
        context_id: `2107000000000${course.id}`,
        context_type: 'Course',
        event_name: opts.eventName ?? 'course_completed',
        event_time: new Date().toISOString(),
        hostname: new URL(this.core.urls.base).host,
        producer: 'canvas',
        request_id: randomUUID(),
        root_account_id: '21070000000000001',
        root_account_uuid: 'VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs',
        user_id: `2107000000000${user.lmsId}`,
        user_login: user.email,
      },
      body: {
        course: { account_id: '1', id: course.id, name: course.title, sis_source_id: course.sourcedId ?? null },
        progress: { completed_at: at.toISOString(), next_requirement_url: null, requirement_completed_count: REQUIREMENTS, requirement_count: REQUIREMENTS },
        user: { email: user.email, id: user.lmsId, name: user.name },
      },
    };
  }

  /** Delivers a Live Event over HTTPS as Canvas Data Services does: the JSON, or a JWT with it as claims. */
  async sendLiveEvent(url: string, courseId: string, userSub: string, opts: LiveEventOptions = {}): Promise<{ status: number; body: string }> {
    const event = this.liveEvent(courseId, userSub, opts);
    const body = opts.signed ? await this.liveKeys.sign({ ...event, iat: Math.floor(Date.now() / 1000) }) : JSON.stringify(event);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': opts.signed ? 'application/jwt' : 'application/json' }, body });
    return { status: res.status, body: await res.text() };
  }

  router(): Router {
    const router = express.Router();
    router.get(LIVE_EVENTS_JWKS_PATH, (_req, res) => void res.json(this.liveKeys.jwks()));
    if (this.core.profile.flavor === 'canvas') this.canvasApi(router);
    else this.moodleWebServices(router);
    return router;
  }

  private learners(course: SimCourse): SimUser[] {
    return this.core.directory.members(course).filter(({ user }) => this.core.directory.isStudent(course, user.sub)).map(({ user }) => user);
  }

  private progress(course: SimCourse, user: SimUser) {
    const c = this.completion(course.id, user.sub);
    return {
      requirement_count: REQUIREMENTS,
      requirement_completed_count: c ? REQUIREMENTS : 1,
      next_requirement_url: c ? null : `${this.core.urls.base}/courses/${course.id}/modules/items/2`,
      completed_at: c ? c.at.toISOString() : null,
    };
  }

  /** Canvas REST: admin token, User-Agent required, rate-limit bucket header, faults first. */
  private canvasGuards(): RequestHandler[] {
    let used = 0;
    const rules: RequestHandler = (req, res, next) => {
      res.set('X-Rate-Limit-Remaining', Math.max(0, RATE_LIMIT_BUDGET - ++used).toFixed(1));
      if (!req.get('user-agent')) return serviceError(res, 403, 'A User-Agent header is required');
      if (req.get('authorization') !== `Bearer ${this.apiToken}`) return serviceError(res, 401, 'Invalid access token.');
      next();
    };
    return [this.core.faults.middleware(), rules];
  }

  private courseOr404(req: Request, res: Response): SimCourse | undefined {
    const course = this.core.directory.findCourse(String(req.params.courseId));
    if (!course) serviceError(res, 404, 'The specified resource does not exist.');
    return course;
  }

  private sendCanvasPage<T>(req: Request, res: Response, rows: T[]): void {
    const asked = Number(req.query.per_page ?? 10);
    const perPage = String(Math.min(this.maxPerPage, Number.isInteger(asked) && asked > 0 ? asked : 10));
    const page = paginate(this.core, { path: req.path, query: { ...req.query, per_page: perPage } } as unknown as Request, rows, 10);
    sendPage(res, page, 'application/json', page.items);
  }

  private canvasApi(router: Router): void {
    const guards = this.canvasGuards();
    router.get('/api/v1/courses/:courseId', ...guards, (req: Request, res: Response) => {
      if (!this.courseNamesAvailable) return serviceError(res, 401, 'user not authorized to perform that action');
      const course = this.courseOr404(req, res);
      if (course) res.json({ id: Number(course.id), name: course.title, course_code: course.label, workflow_state: 'available' });
    });
    router.get('/api/v1/courses/:courseId/bulk_user_progress', ...guards, (req: Request, res: Response) => {
      if (!this.bulkProgressAvailable) return serviceError(res, 404, 'The specified resource does not exist.');
      const course = this.courseOr404(req, res);
      if (!course) return;
      const rows = this.learners(course).map((u) => ({ id: Number(u.lmsId), display_name: u.name, avatar_image_url: null, html_url: `${this.core.urls.base}/courses/${course.id}/users/${u.lmsId}`, pronouns: null, progress: this.progress(course, u) }));
      this.sendCanvasPage(req, res, rows);
    });
    router.get('/api/v1/courses/:courseId/users', ...guards, (req: Request, res: Response) => {
      const course = this.courseOr404(req, res);
      if (!course) return;
      const rows = this.learners(course).map((u) => ({ id: Number(u.lmsId), name: u.name, sortable_name: `${u.familyName}, ${u.givenName}`, short_name: u.givenName, email: u.email }));
      this.sendCanvasPage(req, res, rows);
    });
    router.get('/api/v1/courses/:courseId/users/:userId/progress', ...guards, (req: Request, res: Response) => {
      const course = this.courseOr404(req, res);
      const user = course && this.learners(course).find((u) => u.lmsId === req.params.userId);
      if (!course) return;
      if (!user) return serviceError(res, 404, 'The specified resource does not exist.');
      res.json(this.progress(course, user));
    });
  }

  private moodleWebServices(router: Router): void {
    const form = express.urlencoded({ extended: false });
    const handler: RequestHandler = (req, res) => {
      const params = { ...req.query, ...(req.body as Record<string, unknown>) } as Record<string, string>;
      // Moodle answers every web-service failure with HTTP 200 and an exception body.
      const fail = (errorcode: string, message: string) => void res.json({ exception: 'moodle_exception', errorcode, message });
      if (params.wstoken !== this.apiToken) return fail('invalidtoken', 'Invalid token - token not found');
      const course = this.core.directory.findCourse(String(params.courseid));
      if (params.wsfunction === 'core_enrol_get_enrolled_users') {
        if (!course) return fail('invalidrecord', "Can't find data record in database table course.");
        return void res.json(this.core.directory.members(course).map(({ user }) => ({ id: Number(user.lmsId), username: user.email, fullname: user.name, email: user.email })));
      }
      if (params.wsfunction === 'core_course_get_courses_by_field') {
        if (!this.courseNamesAvailable) return fail('accessexception', 'Access control exception');
        const found = params.field === 'id' ? this.core.directory.findCourse(String(params.value)) : undefined;
        return void res.json({ courses: found ? [{ id: Number(found.id), fullname: found.title, displayname: found.title, shortname: found.label }] : [], warnings: [] });
      }
      if (params.wsfunction === 'core_completion_get_course_completion_status') {
        const user = this.core.directory.users().find((u) => u.lmsId === params.userid);
        if (!course || !user) return fail('invalidrecord', "Can't find data record in database table.");
        if (!this.core.directory.isStudent(course, user.sub)) return fail('usernotenroled', 'User is not enrolled in this course');
        const c = this.completion(course.id, user.sub);
        const criterion = { type: 4, title: 'Activity completion', status: c ? 'Yes' : 'No', complete: !!c, timecompleted: c ? Math.floor(c.at.getTime() / 1000) : null, details: { type: 'Activity completion', criteria: 'All activities', requirement: 'Marked complete', status: '' } };
        return void res.json({ completionstatus: { completed: !!c, aggregation: 1, completions: [criterion] }, warnings: [] });
      }
      fail('invalidrecord', "Can't find data record in database table external_functions.");
    };
    router.get(MOODLE_WS_PATH, this.core.faults.middleware(), handler);
    router.post(MOODLE_WS_PATH, form, this.core.faults.middleware(), handler);
  }
}
