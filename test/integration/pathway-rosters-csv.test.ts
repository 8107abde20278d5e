import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as pathways from '../../src/pathways/service';
import * as plans from '../../src/plans/service';
import { Role } from '../../src/demo/platform';
import { Harness, Session, SimulatedPlatform, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { idFrom, pathwayFields, uploadFile } from '../support/pathways';

let h: Harness;
let staff: Session;
let teacher: Session;
let canvasPathway: string;
beforeAll(async () => {
  h = await startHarness();
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  await h.launchAs(h.canvas, 'teacher2');
  canvasPathway = await publishedPathway(h.canvas, staff, 'New Teacher Induction');
});
afterAll(() => h.close());

async function publishedPathway(p: SimulatedPlatform, s: Session, title: string): Promise<string> {
  await frameworks.ensureSampleFramework(p.tenantId);
  await catalog.ensureSampleCatalog(p.tenantId);
  const steps = (await catalog.listActivities(p.tenantId)).filter((a) => a.kind === 'micro-learning').map((a) => String(a._id));
  const id = idFrom((await s.post('/pathways', pathwayFields(title, steps))).headers.location, 'pathways');
  expect((await s.post(`/pathways/${id}/publish`)).status).toBe(303);
  return id;
}

const count = (collection: string, tenantId = h.canvas.tenantId, filter: Record<string, unknown> = {}) => h.db().collection(collection).countDocuments({ tenantId, ...filter });
const snapshot = async () => Object.fromEntries(await Promise.all(['users', 'enrolments', 'assignments', 'assignmentBatches', 'plans'].map(async (c) => [c, await count(c)] as const)));

async function untilFinished(s: Session, batchId: string): Promise<{ status: string; done: number; total: number; enrolled: number; already: number; failed: number }> {
  for (let i = 0; i < 200; i++) {
    const res = await s.get(`/api/pathways/batches/${batchId}`);
    expect(res.status).toBe(200);
    if (res.body.status === 'finished') return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the assignment did not finish');
}

describe('assigning to an LMS course roster (NRPS)', () => {
  test('Canvas: every page of the roster is read, learners only; unknown people become pending users matched at their first launch', async () => {
    // The course gets 23 more learners and another instructor: 30 members, 3 pages of 10.
    for (let i = 1; i <= 23; i++) {
      const sub = `nrps-learner-${i}`;
      h.canvas.sim.addUser({ sub, lmsId: String(5000 + i), name: `Learner ${i}`, givenName: 'Learner', familyName: String(i), email: `learner${i}@district.example` });
      h.canvas.course.members.push({ userSub: sub, roles: [Role.learner] });
    }
    h.canvas.sim.addUser({ sub: 'nrps-ta', lmsId: '5999', name: 'Tara Assist', givenName: 'Tara', familyName: 'Assist', email: 'tara@district.example' });
    h.canvas.course.members.push({ userSub: 'nrps-ta', roles: [Role.instructor] });
    const contextId = h.canvas.course.contextId ?? h.canvas.course.id;
    expect((await staff.get(`/pathways/${canvasPathway}/assign`)).text).toContain(`value="${contextId}"`);

    const before = await snapshot();
    const res = await staff.post(`/pathways/${canvasPathway}/assign/course`, { contextId, role: 'Learner', dueAt: '2031-01-31' });
    expect(res.status).toBe(303);
    const batchId = idFrom(res.headers.location, 'batches');
    const preview = pageText((await staff.get(`/pathways/batches/${batchId}`)).text);
    expect(preview).toContain('26 people, of whom 24 have not launched PD Pathways yet');
    expect(preview).toContain('Learner 23');
    expect(preview).not.toContain('Tara Assist');
    expect(preview).not.toContain('Sam Rivera');
    expect(await snapshot()).toEqual({ ...before, assignmentBatches: before.assignmentBatches + 1 });

    expect((await staff.post(`/pathways/batches/${batchId}/apply`)).status).toBe(303);
    const progress = (await staff.get(`/pathways/batches/${batchId}`)).text;
    expect(progress).toContain('<progress id="batch-progress" max="26"');
    expect(progress).toContain('src="/public/js/pathways.js"');
    const done = await untilFinished(staff, batchId);
    expect(done).toMatchObject({ total: 26, done: 26, enrolled: 26, already: 0, failed: 0 });
    const pending = await h.db().collection('users').findOne({ tenantId: h.canvas.tenantId, sub: 'nrps-learner-7' });
    expect(pending).toMatchObject({ status: 'pending', name: 'Learner 7', aliases: { email: 'learner7@district.example' } });
    expect(await count('enrolments')).toBe(26);
    const goal = (await plans.currentPlan(h.canvas.tenantId, pending!._id))!.goals[0]!;
    expect(goal.origin).toMatchObject({ kind: 'pathway', pathway: { title: 'New Teacher Induction' } });

    // The pending learner launches for the first time and finds the pathway waiting.
    const learner = await h.launchAs(h.canvas, 'teacher3', { user: 'nrps-learner-7' });
    expect(pageText((await learner.get('/pathways/mine')).text)).toContain('New Teacher Induction');
    expect((await h.db().collection('users').findOne({ tenantId: h.canvas.tenantId, sub: 'nrps-learner-7' }))!.status).toBe('active');
  });

  test('Moodle: short role names ("Learner") are understood', async () => {
    const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
    const id = await publishedPathway(h.moodle, moodleStaff, 'Moodle Starter');
    const res = await moodleStaff.post(`/pathways/${id}/assign/course`, { contextId: h.moodle.course.contextId ?? h.moodle.course.id, role: 'Learner', dueAt: '' });
    const preview = pageText((await moodleStaff.get(res.headers.location.replace(/\?.*/, ''))).text);
    expect(preview).toContain('3 people');
    for (const name of ['Maya Patel', 'Jordan Lee', 'Chris Okafor']) expect(preview).toContain(name);
    expect(preview).not.toContain('Alex Kim');
    const mentors = await moodleStaff.post(`/pathways/${id}/assign/course`, { contextId: h.moodle.course.contextId ?? h.moodle.course.id, role: 'Mentor', dueAt: '' });
    expect(pageText((await moodleStaff.get(mentors.headers.location.replace(/\?.*/, ''))).text)).toContain('Sam Rivera');
  });

  test('NRPS 429 with Retry-After is waited out and the roster read; a platform that stays busy gets a clear page, not 500, and nothing is assigned', async () => {
    const contextId = h.canvas.course.contextId ?? h.canvas.course.id;
    const form = { contextId, role: 'Learner', dueAt: '' };
    const throttled = h.canvas.sim.faults.add({ path: 'names_and_roles', status: 429, retryAfterSeconds: 1, times: 2 });
    const before = await snapshot();
    const read = await staff.post(`/pathways/${canvasPathway}/assign/course`, form);
    expect(read.status).toBe(303);
    expect(throttled.hits).toBe(2);
    expect(await snapshot()).toEqual({ ...before, assignmentBatches: before.assignmentBatches + 1 });

    const outage = h.canvas.sim.faults.add({ path: 'names_and_roles', status: 503, retryAfterSeconds: 1 });
    try {
      const busy = await staff.post(`/pathways/${canvasPathway}/assign/course`, form);
      expect(busy.status).toBe(503);
      expect(pageText(busy.text)).toContain('The course roster could not be read');
      expect(pageText(busy.text)).toContain('The LMS is busy (it answered 503) and asked PD Pathways to wait. Nothing was assigned; please try again in 1 minute.');
      expect(outage.hits).toBe(4); // the first try and three retries, then no more
      const api = await staff.post(`/pathways/${canvasPathway}/assign/course`, form).set('Accept', 'application/json');
      expect(api.status).toBe(503);
      expect(api.type).toBe('application/problem+json');
    } finally {
      h.canvas.sim.faults.remove(outage);
    }
    const later = h.canvas.sim.faults.add({ path: 'names_and_roles', status: 429, retryAfterSeconds: 7200, times: 1 });
    const tooLong = await staff.post(`/pathways/${canvasPathway}/assign/course`, form);
    expect(tooLong.status).toBe(503);
    expect(pageText(tooLong.text)).toContain('please try again in 120 minutes');
    expect(later.hits).toBe(1); // a two-hour Retry-After is not waited for in a page request
    expect(await snapshot()).toEqual({ ...before, assignmentBatches: before.assignmentBatches + 1 });
  });

  test('a course the platform gave no roster URL for is refused with a clear message', async () => {
    await h.db().collection('coursecontexts').insertOne({ tenantId: h.canvas.tenantId, contextId: 'no-nrps', title: 'Old course', deploymentId: 'x', lastLaunchAt: new Date() });
    const res = await staff.post(`/pathways/${canvasPathway}/assign/course`, { contextId: 'no-nrps', role: 'Learner' });
    expect(res.status).toBe(400);
    expect(pageText(res.text)).toContain('Old course has not shared its roster with PD Pathways; nothing was assigned.');
  });
});

describe('assigning from a CSV file', () => {
  test('a file with bad lines is refused whole, each problem named by line; nothing is written', async () => {
    const before = await snapshot();
    const csv = [
      'Email,LMS ID,Pathway,Due date',
      'maya.patel@district.example,,New Teacher Induction,2031-05-01',
      'someone.new@district.example,,Nope Pathway,',
      'not-an-email,,new-teacher-induction,',
      ',,new-teacher-induction,',
      'jordan.lee@district.example,,new teacher induction,01/05/2031',
      'old.date@district.example,,new-teacher-induction,2001-01-01',
      'MAYA.PATEL@district.example,,new-teacher-induction,',
    ].join('\n');
    const res = await uploadFile(staff, '/pathways/import', csv, 'fall.csv');
    expect(res.status).toBe(400);
    const text = pageText(res.text);
    expect(text).toContain('6 of 7 lines need attention; nothing was assigned.');
    expect(text).toContain('line 3: No published pathway is called “Nope Pathway”');
    expect(text).toContain('line 4: “not-an-email” is not an email address');
    expect(text).toContain('line 5: Give an email or an LMS id');
    expect(text).toContain('line 6: Enter the due date as YYYY-MM-DD');
    expect(text).toContain('line 7: The due date is in the past');
    expect(text).toContain('line 8: The same person and pathway are on line 2');
    expect(await snapshot()).toEqual(before);

    for (const [content, message] of [['', 'The file has no rows'], ['a,b\n"unclosed,2\n', 'The file is not a CSV file we can read']]) {
      const bad = await uploadFile(staff, '/pathways/import', content);
      expect(bad.status).toBe(400);
      expect(pageText(bad.text)).toContain(message);
    }
    expect((await uploadFile(teacher, '/pathways/import', 'email,pathway\na@b.cd,x\n')).status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  test('a clean file is previewed, then applied in the background with a progress endpoint; applying again changes nothing', async () => {
    const lines = ['email,lms_id,pathway,due_date,name', 'jordan.lee@district.example,,New Teacher Induction,2031-05-01,'];
    for (let i = 1; i <= 29; i++) lines.push(`csv.teacher${i}@district.example,,new-teacher-induction,2031-05-01,CSV Teacher ${i}`);
    lines.push(',101,new-teacher-induction,2031-05-01,');
    const before = await snapshot();
    const res = await uploadFile(staff, '/pathways/import', lines.join('\n'), 'spring.csv');
    expect(res.status).toBe(303);
    const batchId = idFrom(res.headers.location, 'batches');
    const preview = pageText((await staff.get(`/pathways/batches/${batchId}`)).text);
    expect(preview).toContain('31 people, of whom 29 have not launched PD Pathways yet');
    expect(preview).toContain('2 already on the pathway stay as they are');
    expect(await snapshot()).toEqual({ ...before, assignmentBatches: before.assignmentBatches + 1 });

    const unconfirmed = await staff.post(`/pathways/batches/${batchId}/apply`);
    expect(unconfirmed.status).toBe(400);
    expect(pageText(unconfirmed.text)).toContain('Tick the box to add the 29 people PD Pathways does not know yet');
    expect(await snapshot()).toEqual({ ...before, assignmentBatches: before.assignmentBatches + 1 });
    await staff.post(`/pathways/batches/${batchId}/apply`, { createPending: 'on' });
    expect(await untilFinished(staff, batchId)).toMatchObject({ total: 31, done: 31, enrolled: 29, already: 2, failed: 0 });
    expect(await count('users')).toBe(before.users + 29);
    expect(await count('enrolments')).toBe(before.enrolments + 29);
    expect(await count('assignments')).toBe(before.assignments + 1);
    const after = await snapshot();
    await staff.post(`/pathways/batches/${batchId}/apply`);
    expect(await snapshot()).toEqual(after);

    const staffId = (await h.db().collection('users').findOne({ tenantId: h.canvas.tenantId, name: 'Alex Kim' }))!._id;
    expect(await h.db().collection('notifications').findOne({ tenantId: h.canvas.tenantId, userId: staffId, kind: 'pathway.assignment-finished', title: 'Assignment finished: spring.csv' })).toMatchObject({ body: '29 assigned, 2 already on it, 0 failed.' });
    const teacherAsks = await teacher.get(`/api/pathways/batches/${batchId}`);
    expect(teacherAsks.status).toBe(403);
    expect(teacherAsks.headers['content-type']).toContain('application/problem+json');
  });

  test('a wrong header row is named once, with the column it probably meant; nothing is read or written', async () => {
    const before = await snapshot();
    const csv = ['Email,Pathwya,Due date', ...Array.from({ length: 5 }, (_, i) => `p${i}@district.example,new-teacher-induction,`)].join('\n');
    const res = await uploadFile(staff, '/pathways/import', csv, 'typo.csv');
    expect(res.status).toBe(400);
    const text = pageText(res.text);
    expect(text).toContain('The header row needs a column “pathway”, so no line was read. Its columns are “Email”, “Pathwya”, “Due date”.');
    expect(text).toContain('“Pathwya” looks like “pathway”');
    expect(text).not.toContain('line 2');
    expect(res.text.match(/<ul class="error-list">([\s\S]*?)<\/ul>/)![1]!.match(/<li>/g)).toHaveLength(1);
    expect(await snapshot()).toEqual(before);
  });

  test('an email nobody uses is shown as a likely typo and is only added as a new person when confirmed', async () => {
    const csv = ['email,pathway', 'jordan.lee@district.example,new-teacher-induction', 'jordan.lee@distrcit.example,new-teacher-induction'].join('\n');
    const res = await uploadFile(staff, '/pathways/import', csv, 'typo-email.csv');
    expect(res.status).toBe(303);
    const batchId = idFrom(res.headers.location, 'batches');
    const preview = pageText((await staff.get(`/pathways/batches/${batchId}`)).text);
    expect(preview).toContain('1 person in the file is not in PD Pathways');
    expect(preview).toContain('Line 3: jordan.lee@distrcit.example — Nobody who uses PD Pathways has an email at distrcit.example: check the spelling');
    const before = await snapshot();
    expect((await staff.post(`/pathways/batches/${batchId}/apply`)).status).toBe(400);
    expect(await snapshot()).toEqual(before);
    expect(await h.db().collection('users').countDocuments({ 'aliases.email': 'jordan.lee@distrcit.example' })).toBe(0);
  });

  test('a batch interrupted mid-way (process gone, lease expired) is completed by the job without doubling anything', async () => {
    const csv = ['email,pathway', ...Array.from({ length: 4 }, (_, i) => `resume${i}@district.example,new-teacher-induction`)].join('\n');
    const batchId = idFrom((await uploadFile(staff, '/pathways/import', csv, 'resume.csv')).headers.location, 'batches');
    const batch = await h.db().collection('assignmentBatches').findOne({ _id: new Types.ObjectId(batchId) });
    // The first row got as far as its enrolment (its person created, no goal yet) before the crash.
    const first = await h.db().collection('users').insertOne({ tenantId: h.canvas.tenantId, status: 'pending', name: 'resume0', aliases: { email: 'resume0@district.example' }, launchRoles: [], grants: [], coachIds: [], contextIds: [] });
    const assignmentId = batch!.assignments[0]._id;
    await h.db().collection('enrolments').insertOne({ tenantId: h.canvas.tenantId, userId: first.insertedId, slug: 'new-teacher-induction', pathwayId: batch!.assignments[0].pathwayId, version: 1, assignmentKey: `${assignmentId}:${first.insertedId}`, assignmentId, source: 'assigned', enrolledAt: new Date() });
    await h.db().collection('assignmentBatches').updateOne({ _id: batch!._id }, { $set: { status: 'running', leaseOwner: 'a-dead-process', leaseUntil: new Date(Date.now() - 1000) } });

    expect(await pathways.resumeStalledBatches()).toBe(1);
    expect(await untilFinished(staff, batchId)).toMatchObject({ done: 4, enrolled: 4, failed: 0 });
    const resumed = await h.db().collection('enrolments').find({ tenantId: h.canvas.tenantId, assignmentId }).toArray();
    expect(resumed).toHaveLength(4);
    expect(resumed.every((e) => e.goalId)).toBe(true);
    expect(await h.db().collection('users').countDocuments({ tenantId: h.canvas.tenantId, 'aliases.email': 'resume0@district.example' })).toBe(1);
    expect(await pathways.resumeStalledBatches()).toBe(0);
  });
});
