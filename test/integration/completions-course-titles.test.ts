import * as catalog from '../../src/catalog/service';
import * as completions from '../../src/completions/service';
import { pollSource } from '../../src/completions/jobs';
import * as users from '../../src/users/service';
import type { SimCourse } from '../../src/demo/platform';
import { Harness, Session, SimulatedPlatform, startHarness } from '../support/harness';
import { ledger, planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';

// A district course the tool was never launched from: its title can only come from the LMS itself.
let h: Harness;
let teacher: Session;
const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';

async function addCourse(p: SimulatedPlatform, course: Omit<SimCourse, 'members'>): Promise<SimCourse> {
  const full = { ...course, members: [{ userSub: p.users.teacher.sub, roles: [LEARNER] }] };
  p.sim.addCourse(full);
  return full;
}

async function mapAndPlan(p: SimulatedPlatform, staff: Session, courseId: string, sampleKey: string): Promise<catalog.ActivityDoc> {
  const activity = (await catalog.listActivities(p.tenantId)).find((a) => a.sampleKey === sampleKey)!;
  expect((await staff.post('/completions/mappings', { system: 'lms', courseId, activityId: String(activity._id) })).status).toBe(303);
  return activity;
}

beforeAll(async () => {
  h = await startHarness();
  await sampleCatalog(h.moodle.tenantId, []);
  teacher = await h.launchAs(h.moodle, 'teacher');
}, 60_000);
afterAll(() => h.close());

test('a course completed in Moodle is named by its Moodle title on the teacher’s home and in the notice', async () => {
  const { sim, tenantId } = h.moodle;
  const staff = await h.launchAs(h.moodle, 'pdlead');
  const course = await addCourse(h.moodle, { id: '88', label: 'DIFF-PD', title: 'Differentiation in Practice' });
  const activity = await mapAndPlan(h.moodle, staff, course.id, 'blended-lms');
  const me = (await users.findBySub(tenantId, h.moodle.users.teacher.sub))!;
  await planWith(tenantId, { userId: me._id, name: me.name }, [activity]);
  expect((await staff.post('/completions/sources/moodle-ws', { enabled: 'on', baseUrl: sim.baseUrl, apiToken: sim.completions.apiToken, pollMinutes: '15' })).status).toBe(303);
  sim.completions.complete(course.id, h.moodle.users.teacher.sub, new Date(Date.now() - 600_000));

  await pollSource(await completions.getSource(tenantId, 'moodle-ws'));
  const event = (await ledger(tenantId, { source: 'moodle-ws' })).find((e) => e.courseId === course.id);
  expect(event).toMatchObject({ status: 'applied', courseTitle: 'Differentiation in Practice' });

  const home = pageText((await teacher.get('/dashboard')).text);
  expect(home).toContain('Synced from your LMS');
  expect(home).toContain('Differentiation in Practice');
  expect(home).not.toMatch(/Synced from your LMS\s*88\b/);
  const notices = pageText((await teacher.get('/notifications')).text);
  expect(notices).toContain('Differentiation in Practice was completed in your LMS');
  expect(notices).not.toContain('A course was completed');
});

test('when the LMS gives no title, the teacher is told which course and where it came from', async () => {
  const { sim, tenantId } = h.moodle;
  const staff = await h.launchAs(h.moodle, 'pdlead');
  const course = await addCourse(h.moodle, { id: '91', label: 'COACH', title: 'Coaching Conversations' });
  const activity = await mapAndPlan(h.moodle, staff, course.id, 'backward-design');
  const me = (await users.findBySub(tenantId, h.moodle.users.teacher.sub))!;
  await planWith(tenantId, { userId: me._id, name: me.name }, [activity]);
  // The web-service user may read completions but not courses (the function is not in the service).
  sim.completions.courseNamesAvailable = false;
  sim.completions.complete(course.id, h.moodle.users.teacher.sub, new Date(Date.now() - 300_000));

  await pollSource(await completions.getSource(tenantId, 'moodle-ws'));
  const event = (await ledger(tenantId, { source: 'moodle-ws' })).find((e) => e.courseId === course.id);
  expect(event).toMatchObject({ status: 'applied', courseTitle: '' });
  expect((await completions.getSource(tenantId, 'moodle-ws')).lastRun?.ok).toBe(true);

  const home = pageText((await teacher.get('/dashboard')).text);
  expect(home).toContain('Moodle course 91');
  expect(pageText((await teacher.get('/notifications')).text)).toContain('Moodle course 91 was completed in your LMS');
});

test('a course the tool was launched from keeps the title of that launch when the LMS sends none', async () => {
  const { sim, tenantId, course } = h.moodle;
  const staff = await h.launchAs(h.moodle, 'pdlead');
  const activity = await mapAndPlan(h.moodle, staff, course.id, 'formative-in-practice');
  const me = (await users.findBySub(tenantId, h.moodle.users.teacher.sub))!;
  await planWith(tenantId, { userId: me._id, name: me.name }, [activity]);
  sim.completions.courseNamesAvailable = false;
  sim.completions.complete(course.id, h.moodle.users.teacher.sub, new Date(Date.now() - 200_000));

  await pollSource(await completions.getSource(tenantId, 'moodle-ws'));
  const event = (await ledger(tenantId, { source: 'moodle-ws' })).find((e) => e.courseId === course.id);
  expect(event).toMatchObject({ courseTitle: course.title });
  expect(pageText((await teacher.get('/dashboard')).text)).toContain(`${course.title} — completed`);
});
