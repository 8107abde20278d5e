import { Role } from '../../src/demo/platform';
import type { SimUser } from '../../src/demo/platform';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';
import { Harness, Session, SimulatedPlatform, startHarness } from '../support/harness';

const DAY = 86_400_000;
const REFLECTION = 'Hinge questions showed me who was lost';
const COACHING = 'Try the exit ticket on Tuesday';
const policyForm = { planMonths: '24', maxCostPerYear: '1500', maxHoursPerYear: '120', minHoursPerYear: '0', approvers: 'approver-grant', reflectionRequired: 'on', creditRetention: 'years', creditRetentionYears: '7' };

let h: Harness;
let staff: Session;
const canvasInstructor: SimUser = { sub: 'course-teacher-dana', lmsId: '401', name: 'Dana Brooks', givenName: 'Dana', familyName: 'Brooks', email: 'dana.brooks@district.example', institutionRoles: [Role.institutionInstructor] };

/** A course Instructor who is not PD staff (the demo roster's instructor is the PD lead). */
function addInstructor(p: SimulatedPlatform, user: SimUser): void {
  p.sim.addUser(user);
  p.course.members.push({ userSub: user.sub, roles: [Role.instructor] });
}

const launchInstructor = (p: SimulatedPlatform, user: SimUser) => h.launchAs(p, 'teacher', { user: user.sub });

beforeAll(async () => {
  h = await startHarness();
  addInstructor(h.canvas, canvasInstructor);
  staff = await h.launchAs(h.canvas, 'pdlead');
  const maya = await h.launchAs(h.canvas, 'teacher');
  await h.launchAs(h.canvas, 'teacher2'); // Jordan launches and has no plan; Chris never launches.
  expect(maya.launch.status).toBe(200);

  // Maya's plan: active for 13 months (annual review overdue), goal 1 of 2 done, a reflection and a coaching message.
  const tenantId = h.canvas.tenantId;
  const me = (await users.findBySub(tenantId, h.canvas.users.teacher.sub))!;
  const coach = (await users.findBySub(tenantId, h.canvas.users.pdlead.sub))!;
  const by = { userId: me._id, name: me.name };
  const [first, second] = (await sampleCatalog(tenantId, ['9001'])).filter((a) => a.hours > 0);
  const { planId, goalId } = await planWith(tenantId, by, [first!]);
  const target = new Date(Date.now() + 200 * DAY).toISOString().slice(0, 10);
  const other = await plans.addGoal(tenantId, planId, { statement: 'Lead a PLC cycle', competency: first!.competencies[0], targetLevel: '3', measure: 'Cycle run', targetDate: target }, by);
  await plans.addCatalogActivity(tenantId, planId, other._id, { activityId: String(second!._id) }, by);
  const start = new Date(Date.now() - 395 * DAY);
  await h.db().collection('plans').updateOne({ _id: planId }, { $set: { status: 'active', periodStart: start, periodEnd: new Date(start.getTime() + 730 * DAY), 'goals.0.status': 'completed', 'goals.0.activities.0.status': 'done' } });
  await plans.addReflection(tenantId, planId, goalId, { learned: REFLECTION, practice: 'Every lesson gets one' }, by);
  await plans.addFeedback(tenantId, planId, goalId, { text: COACHING }, { userId: coach._id, name: coach.name, role: 'coach' });
}, 120_000);
afterAll(() => h.close());

async function setDistrictAllows(allowed: boolean): Promise<void> {
  const res = await staff.post('/policy', { ...policyForm, ...(allowed ? { instructorsSeeCourseProgress: 'on' } : {}) });
  expect(res.status).toBe(303);
}

describe('a course instructor and their participants’ PD progress', () => {
  test('off by default: the instructor’s home says in plain words who grants access and where; the page itself is refused', async () => {
    const tenant = await h.db().collection('tenants').findOne({ _id: h.canvas.tenantId });
    expect(tenant!.policy.instructorsSeeCourseProgress).toBe(false);
    const dana = await launchInstructor(h.canvas, canvasInstructor);
    const home = pageText(dana.launch.text);
    expect(home).toContain('Your course: Teacher Professional Development 2025');
    expect(home).toContain('Your district has not turned on course progress for instructors, so PD Pathways shows you your own plan only.');
    expect(home).toContain('ask your district’s PD staff (Alex Kim)');
    expect(home).toContain('on the District policy page, or give you the Coach role on the People page');
    expect(dana.launch.text).not.toContain('/course-progress');

    const refused = await dana.get('/course-progress');
    expect(refused.status).toBe(403);
    expect(pageText(refused.text)).toContain('Your district has not turned on course progress for instructors');
    expect(pageText(refused.text)).not.toContain('Maya Patel');
  });

  test('PD staff turn it on under District policy; the instructor then sees each learner who launched: status, goals, hours, next review, nothing private', async () => {
    const form = await staff.get('/policy');
    expect(pageText(form.text)).toContain('Course instructors see their participants’ PD progress');
    await setDistrictAllows(true);
    expect((await h.db().collection('tenants').findOne({ _id: h.canvas.tenantId }))!.policy.instructorsSeeCourseProgress).toBe(true);

    const dana = await launchInstructor(h.canvas, canvasInstructor);
    expect(pageText(dana.launch.text)).toContain('See your participants’ PD progress');
    const res = await dana.get('/course-progress');
    expect(res.status).toBe(200);
    const text = pageText(res.text);
    expect(text).toContain('Teacher Professional Development 2025 (PD-101)');
    expect(text).toMatch(/Maya Patel Active 1 of 2 goals done [\d.]+ of [\d.]+ h Annual review, due since \w{3} \d{1,2}, \d{4}/);
    expect(text).toContain('Jordan Lee No plan yet');
    expect(text).toContain('1 learner of this course has not opened PD Pathways yet.');
    // Only learners: not the coach (Mentor), the PD lead or the instructor; and nothing private.
    for (const absent of ['Sam Rivera', 'Alex Kim', 'Chris Okafor', REFLECTION, COACHING, 'Lead a PLC cycle']) expect(text).not.toContain(absent);
    expect(res.text).not.toContain('/plans/');
  });

  test('a Learner of the course is refused and gets no instructor panel, whatever the setting', async () => {
    await setDistrictAllows(true);
    const jordan = await h.launchAs(h.canvas, 'teacher2');
    expect(pageText(jordan.launch.text)).not.toContain('Your course');
    const res = await jordan.get('/course-progress');
    expect(res.status).toBe(403);
    expect(pageText(res.text)).toContain('Only the instructors of this course see its participants’ PD progress');
    expect(pageText(res.text)).not.toContain('Maya Patel');
  });

  test('a launch that says Instructor while the course roster says Learner is refused', async () => {
    await setDistrictAllows(true);
    const jordan = await h.launchAs(h.canvas, 'teacher2', { roles: [Role.instructor] });
    const res = await jordan.get('/course-progress');
    expect(res.status).toBe(403);
    expect(pageText(res.text)).toContain('The LMS roster of this course does not list you as its instructor.');
    expect(pageText(res.text)).not.toContain('Maya Patel');
  });

  test('another tenant’s instructor sees only their own course and tenant: a context id in the request and a roster subject shared across platforms reach nothing', async () => {
    await setDistrictAllows(true);
    const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
    expect((await moodleStaff.post('/policy', { ...policyForm, instructorsSeeCourseProgress: 'on' })).status).toBe(303);
    const moodleInstructor: SimUser = { ...canvasInstructor, sub: '402', lmsId: '402', name: 'Robin Ames', givenName: 'Robin', familyName: 'Ames', email: 'robin@district.example' };
    addInstructor(h.moodle, moodleInstructor);
    // A Moodle learner whose subject is Maya's Canvas subject: the same string, another tenant's person.
    h.moodle.sim.addUser({ ...h.canvas.users.teacher, name: 'Moodle Namesake', givenName: 'Moodle', familyName: 'Namesake' });
    h.moodle.course.members.push({ userSub: h.canvas.users.teacher.sub, roles: [Role.learner] });
    await h.launchAs(h.moodle, 'teacher2');

    const robin = await launchInstructor(h.moodle, moodleInstructor);
    const canvasContext = h.canvas.course.contextId ?? h.canvas.course.id;
    const res = await robin.get(`/course-progress?contextId=${canvasContext}&context=${canvasContext}`);
    expect(res.status).toBe(200);
    const text = pageText(res.text);
    expect(text).toContain('Jordan Lee No plan yet');
    expect(text).toContain('3 learners of this course have not opened PD Pathways yet.');
    for (const absent of ['Maya Patel', 'Moodle Namesake', 'Active', REFLECTION]) expect(text).not.toContain(absent);
  });

  test('a roster the LMS will not give is a clear page that says nothing is listed, not an error', async () => {
    await setDistrictAllows(true);
    const dana = await launchInstructor(h.canvas, canvasInstructor);
    const outage = h.canvas.sim.faults.add({ path: 'names_and_roles', status: 503, retryAfterSeconds: 1 });
    try {
      const res = await dana.get('/course-progress');
      expect(res.status).toBe(503);
      expect(pageText(res.text)).toContain('The LMS is busy (it answered 503) and asked PD Pathways to wait. The participants could not be listed; please try again in 1 minute.');
    } finally {
      h.canvas.sim.faults.remove(outage);
    }
  });
});
