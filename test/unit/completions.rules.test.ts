import fc from 'fast-check';
import { Types } from 'mongoose';
import { EVENT_STATUSES, EventStatus, SOURCE_KINDS, SourceKind, USER_ID_KINDS } from '../../src/completions/model';
import {
  activityResolver,
  applyOutcome,
  CompletionInput,
  courseInWords,
  courseName,
  eventFields,
  fallsBackToEmail,
  identitiesOf,
  idempotencyKey,
  isDue,
  isFailing,
  lmsIdKindOf,
  MAX_RETRY_MS,
  mergeWatermarks,
  planSource,
  planStatusReplays,
  retryDelayMs,
  seenCoursesMatching,
  settingsProblems,
  tallyEvents,
  tenantOfHookToken,
  unmatchedCourseReason,
  unmatchedPersonReason,
  watermark,
} from '../../src/completions/rules';

const completion = fc.record({
  source: fc.constantFrom(...SOURCE_KINDS),
  system: fc.option(fc.constantFrom('lms', 'sis', 'vendor'), { nil: undefined }),
  courseId: fc.option(fc.stringMatching(/^[a-z0-9]{1,8}$/), { nil: undefined }),
  activityId: fc.constant(new Types.ObjectId('65a1b2c3d4e5f60718293a4b')),
  lmsUserId: fc.stringMatching(/^[A-Za-z0-9@.]{1,12}$/),
  userIdKind: fc.constantFrom(...USER_ID_KINDS),
  completedAt: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
  timeUnknown: fc.option(fc.boolean(), { nil: undefined }),
}) as fc.Arbitrary<CompletionInput>;

describe('the idempotency key', () => {
  test('is the same for the same completion and differs when the source, course, person or time differs', () => {
    fc.assert(
      fc.property(completion, completion, (a, b) => {
        expect(idempotencyKey(a)).toBe(idempotencyKey({ ...a }));
        const sameCourse = (a.courseId ? `${a.system ?? 'lms'}:${a.courseId}` : 'activity') === (b.courseId ? `${b.system ?? 'lms'}:${b.courseId}` : 'activity');
        const sameTime = a.timeUnknown ? !!b.timeUnknown : !b.timeUnknown && a.completedAt.getTime() === b.completedAt.getTime();
        const same = a.source === b.source && sameCourse && a.userIdKind === b.userIdKind && a.lmsUserId === b.lmsUserId && sameTime;
        expect(idempotencyKey(a) === idempotencyKey(b)).toBe(same);
      }),
    );
  });

  test('leaves the time out when the sender did not give one, so a repeated "complete" is one completion', () => {
    const base: CompletionInput = { source: 'canvas-rest', courseId: '42', lmsUserId: '7', userIdKind: 'canvasId', completedAt: new Date('2025-01-01'), timeUnknown: true };
    expect(idempotencyKey(base)).toBe('canvas-rest|lms:42|canvasId:7|completed');
    expect(idempotencyKey({ ...base, completedAt: new Date('2025-06-01') })).toBe(idempotencyKey(base));
    expect(idempotencyKey({ ...base, timeUnknown: false })).toBe('canvas-rest|lms:42|canvasId:7|2025-01-01T00:00:00.000Z');
  });

  test('names the catalog activity when there is no platform course', () => {
    const id = new Types.ObjectId();
    expect(idempotencyKey({ source: 'webhook', activityId: id, lmsUserId: 'a@b.org', userIdKind: 'email', completedAt: new Date(0) })).toBe(`webhook|activity:${id}|email:a@b.org|1970-01-01T00:00:00.000Z`);
  });
});

test('ledger fields compare e-mail addresses lower-case and trimmed, and other ids exactly', () => {
  const at = new Date();
  const byEmail = eventFields({ source: 'csv', lmsUserId: ' Ana@School.ORG ', userIdKind: 'email', userEmail: ' Ana@School.ORG ', completedAt: at });
  expect(byEmail).toMatchObject({ lmsUserId: 'ana@school.org', userEmail: 'ana@school.org', system: 'lms', courseTitle: '', userName: '' });
  const byId = eventFields({ source: 'canvas-live', lmsUserId: 'AbC', userIdKind: 'canvasId', userEmail: '   ', completedAt: at, system: 'sis', courseTitle: 'Math' });
  expect(byId).toMatchObject({ lmsUserId: 'AbC', userEmail: undefined, system: 'sis', courseTitle: 'Math' });
});

test('a delivery token names its tenant only when it is well formed', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-f0-9]{24}$/), fc.stringMatching(/^[\w-]{20,100}$/), (tenant, secret) => {
      expect(tenantOfHookToken(`${tenant}.${secret}`)).toBe(tenant);
    }),
  );
  for (const bad of [undefined, '', 'abc.def', `${'a'.repeat(24)}.short`, `${'A'.repeat(24)}.${'x'.repeat(30)}`, `${'a'.repeat(24)}.${'x'.repeat(101)}`, `${'a'.repeat(24)}.${'x'.repeat(29)}!`]) {
    expect(tenantOfHookToken(bad)).toBeUndefined();
  }
});

describe('matching', () => {
  test('falls back to the e-mail address only when it is another identifier than the one matched', () => {
    expect(fallsBackToEmail({ userIdKind: 'canvasId', lmsUserId: '7', userEmail: 'a@b.org' })).toBe(true);
    expect(fallsBackToEmail({ userIdKind: 'email', lmsUserId: 'a@b.org', userEmail: 'a@b.org' })).toBe(false);
    expect(fallsBackToEmail({ userIdKind: 'canvasId', lmsUserId: '7', userEmail: null })).toBe(false);
  });

  test('says which course and which person it waits for', () => {
    expect(courseName({ courseId: '42' })).toBe('course 42');
    expect(courseName({ courseId: '42', system: 'lms', courseTitle: 'Math' })).toBe('Math (course 42)');
    expect(courseName({ courseId: 'X1', system: 'sis' })).toBe('sis course X1');
    expect(unmatchedCourseReason({ courseId: '42', courseTitle: 'Math' })).toBe('Math (course 42) is not mapped to a catalog activity; matched when PD staff add a mapping.');
    expect(unmatchedPersonReason({ userIdKind: 'canvasId', lmsUserId: '7', userEmail: 'a@b.org' })).toBe('No one with Canvas user id 7 or email a@b.org is known yet; matched when they first open PD Pathways.');
    expect(unmatchedPersonReason({ userIdKind: 'email', lmsUserId: 'a@b.org', userEmail: 'a@b.org' })).toBe('No one with email a@b.org is known yet; matched when they first open PD Pathways.');
  });

  test('plans hear whether a completion came from the LMS, the webhook, a CSV file or session attendance', () => {
    expect(SOURCE_KINDS.map(planSource)).toEqual(['lms', 'lms', 'lms', 'webhook', 'csv', 'attendance']);
  });
});

describe('applying to plans', () => {
  const result = fc.record({ activityId: fc.constant(new Types.ObjectId()), applied: fc.array(fc.constant({}), { maxLength: 3 }), notInPlan: fc.option(fc.boolean(), { nil: undefined }) });

  test('is applied when any goal was marked done, not-in-plan when no plan has it, a duplicate otherwise', () => {
    fc.assert(
      fc.property(fc.array(result, { minLength: 1, maxLength: 4 }), fc.nat(3), (results, before) => {
        const out = applyOutcome(results, before);
        const goals = results.reduce((n, r) => n + r.applied.length, 0);
        if (goals) expect(out).toEqual({ status: 'applied', step: 'applied', reason: `Marked done in ${goals} goal${goals === 1 ? '' : 's'}.` });
        else if (results.every((r) => r.notInPlan)) expect(out.status).toBe('not-in-plan');
        else expect(out).toMatchObject({ status: before ? 'applied' : 'ignored-duplicate', step: 'ignored-duplicate' });
      }),
    );
  });

  test('a failed event waits longer after each attempt, never more than an hour', () => {
    expect(retryDelayMs(1)).toBe(10_000);
    expect(retryDelayMs(undefined)).toBe(10_000);
    expect(retryDelayMs(2)).toBe(20_000);
    expect(retryDelayMs(100)).toBe(MAX_RETRY_MS);
    fc.assert(
      fc.property(fc.nat(50), (n) => {
        expect(retryDelayMs(n + 1)).toBeGreaterThanOrEqual(retryDelayMs(n));
        expect(retryDelayMs(n)).toBeLessThanOrEqual(MAX_RETRY_MS);
      }),
    );
  });
});

describe('replay', () => {
  test('looks for a person under every identifier they are known by, and their e-mail as a fallback', () => {
    expect(identitiesOf({ sub: 's1', aliases: { canvasId: '7', email: 'a@b.org' } })).toEqual([
      { userIdKind: 'sub', lmsUserId: 's1' },
      { userIdKind: 'canvasId', lmsUserId: '7' },
      { userIdKind: 'email', lmsUserId: 'a@b.org' },
      { userEmail: 'a@b.org' },
    ]);
    expect(identitiesOf({ sub: null, aliases: null })).toEqual([]);
  });

  test('runs again for submitted, approved and renewed plans only', () => {
    expect(['submitted', 'approved', 'renewed'].every(planStatusReplays)).toBe(true);
    expect(['draft', 'returned', 'closed', 'completed', 'review-started'].some(planStatusReplays)).toBe(false);
  });
});

describe('pollers', () => {
  test('are due once their interval (15 minutes unless set) has passed since the last run', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 1, max: 1440 }), { nil: undefined }), fc.integer({ min: 0, max: 3 * 86_400_000 }), (minutes, elapsed) => {
        const now = new Date('2026-01-01T12:00:00Z');
        const source = { pollMinutes: minutes, lastRun: { at: new Date(now.getTime() - elapsed) } };
        expect(isDue(source, now)).toBe(elapsed >= (minutes ?? 15) * 60_000);
      }),
    );
    expect(isDue({}, new Date())).toBe(true);
    expect(isDue({ lastRun: { at: null } }, new Date())).toBe(true);
  });

  test('advance the watermark of each course they polled and keep the others', () => {
    const old = new Date('2026-01-01');
    const now = new Date('2026-02-01');
    const source = { watermarks: [{ courseId: 'a', through: old, polledAt: old }, { courseId: 'b', through: old, polledAt: old }] };
    const merged = mergeWatermarks(source, [{ courseId: 'a' }, { courseId: 'c', through: now }], now);
    expect(merged).toEqual([
      { courseId: 'a', through: old, polledAt: now },
      { courseId: 'b', through: old, polledAt: old },
      { courseId: 'c', through: now, polledAt: now },
    ]);
    expect(watermark({ watermarks: merged }, 'c')).toEqual(now);
    expect(watermark({ watermarks: merged }, 'zzz')).toBeUndefined();
    expect(watermark({}, 'a')).toBeUndefined();
  });

  test('a CSV lms_id is the platform family’s own user id', () => {
    expect(['canvas', 'moodle', 'other', 'unknown'].map(lmsIdKindOf)).toEqual(['canvasId', 'moodleId', 'sub', 'sub']);
  });
});

describe('the ledger at a glance', () => {
  test('a source fails while its latest outcome is an error', () => {
    const t = (iso: string) => new Date(iso);
    expect(isFailing({})).toBe(false);
    expect(isFailing({ lastError: { at: t('2026-01-02'), message: 'boom' } })).toBe(true);
    expect(isFailing({ lastError: { at: t('2026-01-02'), message: 'boom' }, lastSyncAt: t('2026-01-01') })).toBe(true);
    expect(isFailing({ lastError: { at: t('2026-01-02'), message: 'boom' }, lastSyncAt: t('2026-01-03') })).toBe(false);
    expect(isFailing({ lastError: { at: t('2026-01-02'), message: '' } })).toBe(false);
  });

  test('counts every event once by status and by source, and repeated deliveries as ignored duplicates', () => {
    const row = fc.record({ _id: fc.record({ source: fc.constantFrom(...SOURCE_KINDS), status: fc.constantFrom(...EVENT_STATUSES) }), n: fc.nat(20), duplicates: fc.nat(5) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), (rows) => {
        const { total, byStatus, bySource } = tallyEvents(rows);
        const sum = (c: Record<EventStatus, number>) => Object.values(c).reduce((a, b) => a + b, 0);
        const dupes = rows.reduce((a, r) => a + r.duplicates, 0);
        expect(total).toBe(rows.reduce((a, r) => a + r.n, 0));
        expect(sum(byStatus)).toBe(total + dupes);
        for (const kind of SOURCE_KINDS as readonly SourceKind[]) {
          const mine = rows.filter((r) => r._id.source === kind);
          expect(sum(bySource[kind])).toBe(mine.reduce((a, r) => a + r.n + r.duplicates, 0));
        }
      }),
    );
  });

  test('lists courses matching the search, those waiting most first', () => {
    const courses = [
      { courseId: '10', title: 'Algebra', unmatched: 0 },
      { courseId: '11', title: 'Biology', unmatched: 3 },
      { courseId: '12', title: '', unmatched: 3 },
      { courseId: 'ALG-2', title: 'Geometry', unmatched: 1 },
    ];
    expect(seenCoursesMatching(courses, '').map((c) => c.courseId)).toEqual(['12', '11', 'ALG-2', '10']);
    expect(seenCoursesMatching(courses, '  alg ').map((c) => c.courseId)).toEqual(['ALG-2', '10']);
    expect(seenCoursesMatching(courses, 'nothing')).toEqual([]);
  });
});

test('a CSV row names an activity by id (any case) or by a title only one activity has', () => {
  const a = new Types.ObjectId();
  const b = new Types.ObjectId();
  const c = new Types.ObjectId();
  const resolve = activityResolver([
    { _id: a, title: 'Reading Workshop' },
    { _id: b, title: 'Coaching' },
    { _id: c, title: 'coaching' },
  ]);
  expect(resolve({ activity_id: String(a).toUpperCase() })).toEqual({ activityId: String(a) });
  expect(resolve({ activity_id: String(new Types.ObjectId()) })).toEqual({ error: 'No activity with this id in the catalog' });
  expect(resolve({ activity_title: 'reading workshop' })).toEqual({ activityId: String(a) });
  expect(resolve({ activity_title: 'COACHING' })).toEqual({ error: 'Several activities have this title; use activity_id' });
  expect(resolve({ activity_title: 'Unknown' })).toEqual({ error: 'No activity with this title in the catalog' });
  expect(resolve({})).toEqual({});
});

test('source settings ask for what an enabled source still needs', () => {
  expect(settingsProblems('canvas-live', { enabled: true }, false)).toEqual({ jwksUrl: 'Enter the keyset URL Canvas signs Live Events with' });
  expect(settingsProblems('canvas-live', { enabled: true, jwksUrl: 'https://keys' }, false)).toEqual({});
  expect(Object.keys(settingsProblems('canvas-rest', { enabled: true }, false))).toEqual(['baseUrl', 'apiToken']);
  expect(settingsProblems('moodle-ws', { enabled: true, baseUrl: 'https://m' }, true)).toEqual({});
  expect(settingsProblems('moodle-ws', { enabled: true, baseUrl: 'https://m' }, false)).toEqual({ apiToken: 'Paste a web-service token' });
  expect(settingsProblems('canvas-rest', { enabled: false }, false)).toEqual({});
  expect(settingsProblems('webhook', { enabled: true }, false)).toEqual({});
  expect(settingsProblems('csv', { enabled: true }, false)).toEqual({});
});

describe('the course in a teacher’s words', () => {
  test('a course is named by its title when one is known', () => {
    expect(courseInWords({ source: 'moodle-ws', system: 'lms', courseId: '2', courseTitle: 'Differentiation in Practice' })).toBe('Differentiation in Practice');
  });

  test('without a title the words say which platform’s course it was, never a bare id', () => {
    expect(courseInWords({ source: 'moodle-ws', system: 'lms', courseId: '2', courseTitle: '' })).toBe('Moodle course 2');
    expect(courseInWords({ source: 'canvas-live', system: 'lms', courseId: '1042' })).toBe('Canvas course 1042');
    expect(courseInWords({ source: 'canvas-rest', system: 'lms', courseId: '1042' })).toBe('Canvas course 1042');
    expect(courseInWords({ source: 'webhook', system: 'sis', courseId: 'ALG-7' })).toBe('Course ALG-7 in sis (sent by your district’s webhook)');
    expect(courseInWords({ source: 'csv', system: 'lms', courseId: '77' })).toBe('Course 77 (from a CSV import)');
    expect(courseInWords({ source: 'csv' })).toBe('A catalog activity from a CSV import');
  });
});
