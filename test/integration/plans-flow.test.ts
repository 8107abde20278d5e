import mongoose from 'mongoose';
import * as assessments from '../../src/assessments/service';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText, postPairs } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

let h: Harness;
let teacher: Session;
let coach: Session;
let lead: Session;
let colleague: Session;
let planId: string;
let goalId: string;
const tenantId = () => h.canvas.tenantId;

function upload(s: Session, path: string, file: { name: string; type: string; data: Buffer }, fields: Record<string, string> = {}) {
  let req = s.launch.agent.post(`${path}?ltik=${encodeURIComponent(s.ltik)}`).field('_csrf', s.csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('file', file.data, { filename: file.name, contentType: file.type });
}

const plan = () => plans.getPlan(tenantId(), planId);
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n% certificate\n'), Buffer.alloc(2000, 32)]);

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
  await catalog.ensureSampleCatalog(tenantId(), { lmsCourseIds: [h.canvas.course.id] });
  teacher = await h.launchAs(h.canvas, 'teacher');
  coach = await h.launchAs(h.canvas, 'coach');
  lead = await h.launchAs(h.canvas, 'pdlead');
  colleague = await h.launchAs(h.canvas, 'teacher2');
  const [t, c] = await Promise.all([users.findBySub(tenantId(), h.canvas.users.teacher.sub), users.findBySub(tenantId(), h.canvas.users.coach.sub)]);
  await users.setCoaches(tenantId(), t!._id, [c!._id]);
  const fw = await frameworks.activeFramework(tenantId());
  const level = Object.fromEntries(fw.competencies.map((x) => [x.code, '2']));
  await assessments.submitAssessment(tenantId(), t!._id, { level, target: {}, interests: ['ASMT1'], modes: [], timings: [], hoursPerMonth: '10', notes: '' }, { userId: t!._id, name: 'Maya' });
}, 60_000); // a harness and several full OIDC launches; slow when the two cores are shared
afterAll(() => h.close());

test('the teacher home invites to create a plan; creating one opens a draft with live totals', async () => {
  const home = await teacher.get('/dashboard');
  expect(home.text).toContain('Create my plan');
  const created = await teacher.post('/plan');
  expect(created.status).toBe(303);
  planId = /\/plans\/([a-f0-9]{24})/.exec(created.headers.location!)![1]!;
  const page = await teacher.get(`/plans/${planId}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('Draft');
  expect(page.text).toContain('Time and cost');
  expect(page.text).toContain('data-plan-totals');
  expect((await teacher.post('/plan')).headers.location).toContain(planId); // still one plan
});

test('recommendations from the assessment become a goal with their activities', async () => {
  const page = await teacher.get('/recommendations');
  expect(page.status).toBe(200);
  const recs = await assessments.recommendationsFor(tenantId(), (await plan()).userId, { remainingBudget: 1500 });
  const rec = recs.find((r) => r.activities.length)!;
  expect(page.text).toContain(rec.competency.name);
  const added = await postPairs(teacher, '/recommendations/goals', [
    ['competency', rec.competency.code],
    ['targetLevel', String(rec.targetLevel)],
    ...rec.activities.map((a) => ['activityIds', String(a.activity._id)] as [string, string]),
  ]);
  expect(added.status).toBe(303);
  const saved = await plan();
  expect(saved.goals).toHaveLength(1);
  expect(saved.goals[0]!.competency).toBe(rec.competency.code);
  expect(saved.goals[0]!.activities.map((a) => String(a.activityId)).sort()).toEqual(rec.activities.map((a) => String(a.activity._id)).sort());
  goalId = String(saved.goals[0]!._id);
});

test('a goal form with missing and wrong fields comes back with messages and the input kept; nothing is saved', async () => {
  const before = await plan();
  const res = await teacher.post(`/plans/${planId}/goals`, { statement: '<script>alert(1)</script> short', targetLevel: 'abc', measure: '', targetDate: 'not a date' });
  expect(res.status).toBe(400);
  expect(res.text).toContain('The goal has problems; nothing was saved.');
  expect(res.text).toContain('Choose a target level from 1 to 4');
  expect(res.text).toContain('Say how you will know you reached the goal');
  expect(res.text).toContain('aria-invalid="true"');
  expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; short');
  expect(res.text).not.toContain('<script>alert(1)</script>');
  expect((await plan()).goals).toHaveLength(before.goals.length);
});

test('a plan over the cost cap is refused at submit with the cap and the amount named', async () => {
  const goal = await teacher.post(`/plans/${planId}/goals`, { statement: 'Lead a data team cycle with my grade team', competency: 'ASMT3', targetLevel: '3', measure: 'Two cycles with student data', targetDate: inMonths(12) });
  expect(goal.status).toBe(303);
  const second = String((await plan()).goals[1]!._id);
  const expensive = await teacher.post(`/plans/${planId}/goals/${second}/activities/custom`, { title: 'National leadership institute', hours: '30', cost: '4000', required: 'on' });
  expect(expensive.status).toBe(303);
  await teacher.post(`/plans/${planId}/commitment`, { agreed: 'on', text: 'Two hours every other Wednesday after school' });
  const refused = await teacher.post(`/plans/${planId}/submit`);
  expect(refused.status).toBe(400);
  expect(refused.text).toMatch(/over the cost cap of \$1,500\.00 a year by \$[\d,.]+/);
  expect((await plan()).status).toBe('draft');
  const expensiveId = (await plan()).goals[1]!.activities[0]!._id;
  await teacher.post(`/plans/${planId}/goals/${second}/activities/${expensiveId}/delete`);
  await teacher.post(`/plans/${planId}/goals/${second}/activities/custom`, { title: 'Grade-team data meetings', hours: '30', cost: '0', required: 'on' });
  const cert = (await catalog.listActivities(tenantId())).find((a) => a.certificateRequired && a.kind === 'workshop')!;
  expect((await teacher.post(`/plans/${planId}/goals/${second}/activities`, { activityId: String(cert._id) })).status).toBe(303);
});

test('submit, return with a comment, resubmit, approve: the teacher is told and celebrates', async () => {
  expect((await teacher.post(`/plans/${planId}/submit`)).status).toBe(303);
  expect((await plan()).status).toBe('submitted');
  expect((await teacher.get(`/plans/${planId}`)).text).toContain('Waiting for approval');
  const queue = await lead.get('/approvals');
  expect(queue.text).toContain('Maya');
  // The queue row carries the plan's own yearly totals, as the teacher's page states them.
  const own = pageText((await teacher.get(`/plans/${planId}`)).text);
  const [hours, cost] = [own.match(/Hours per year Within Planned (\S+ h)/)![1], own.match(/Cost per year Within Planned (\$\S+)/)![1]];
  expect(pageText(queue.text)).toContain(`${hours}, ${cost}`);
  // PD staff approve by their LMS role, without any grant, and are told a plan waits.
  expect((await lead.get('/notifications')).text).toContain('submitted a PD plan for approval');
  const noComment = await lead.post(`/plans/${planId}/decision`, { decision: 'return', comment: '' });
  expect(noComment.status).toBe(400);
  expect(noComment.text).toContain('Say what the teacher should change');
  expect((await plan()).status).toBe('submitted');
  expect((await teacher.post(`/plans/${planId}/decision`, { decision: 'approve' })).status).toBe(403);
  await lead.post(`/plans/${planId}/decision`, { decision: 'return', comment: 'Please add dates to your data meetings.' });
  const returned = await teacher.get(`/plans/${planId}`);
  expect(returned.text).toContain('Returned for changes');
  expect(returned.text).toContain('Please add dates to your data meetings.');
  expect((await teacher.post(`/plans/${planId}/submit`)).status).toBe(303);
  expect((await lead.post(`/plans/${planId}/decision`, { decision: 'approve', comment: 'Great plan.' })).status).toBe(303);
  expect((await plan()).status).toBe('active');
  const home = await teacher.get('/dashboard');
  expect(home.text).toContain('Your PD plan is approved!');
  expect(home.text).toContain('Active');
});

test('evidence: wrong type and oversized files are refused; a certificate is verified by an approver', async () => {
  const p = await plan();
  const second = p.goals[1]!;
  const certActivity = second.activities.find((a) => a.certificateRequired)!;
  const path = `/plans/${planId}/goals/${second._id}/activities/${certActivity._id}/evidence`;
  const wrong = await upload(teacher, path, { name: 'cert.exe', type: 'application/octet-stream', data: Buffer.from('MZ not a pdf') });
  expect(wrong.status).toBe(400);
  expect(wrong.text).toContain('That file type is not accepted');
  const big = await upload(teacher, path, { name: 'big.pdf', type: 'application/pdf', data: Buffer.concat([pdf, Buffer.alloc(10 * 1024 * 1024)]) });
  expect(big.status).toBe(400);
  expect(big.text).toContain('Files can be at most 10 MB');
  expect(plans.findPlanActivity(plans.findGoal(await plan(), second._id), certActivity._id).evidence).toHaveLength(0);

  await teacher.post(`/plans/${planId}/goals/${second._id}/activities/${certActivity._id}/progress`, { status: 'done' });
  expect(plans.findPlanActivity(plans.findGoal(await plan(), second._id), certActivity._id).status).toBe('awaiting-verification');
  expect((await upload(teacher, path, { name: 'certificate.pdf', type: 'application/pdf', data: pdf }, { isCertificate: 'on', note: 'Signed certificate' })).status).toBe(303);
  const evidence = plans.findPlanActivity(plans.findGoal(await plan(), second._id), certActivity._id).evidence[0]!;
  const file = `${path}/${evidence._id}/file`;
  expect((await teacher.get(file)).body.length ?? 0).toBeGreaterThan(0);
  expect((await coach.get(file)).status).toBe(200);
  expect((await colleague.get(file)).status).toBe(403);
  expect((await lead.get('/approvals')).text).toContain(certActivity.title);
  expect((await lead.post(`${path}/${evidence._id}/decision`, { decision: 'verify' })).status).toBe(303);
  expect(plans.findPlanActivity(plans.findGoal(await plan(), second._id), certActivity._id).status).toBe('done');
});

test('reflections stay private to teacher and coach until shared; script text is escaped', async () => {
  const res = await teacher.post(`/plans/${planId}/goals/${goalId}/reflections`, { learned: 'Exit tickets <script>x()</script> show misconceptions', practice: 'I regroup students the next day' });
  expect(res.status).toBe(303);
  const own = await teacher.get(`/plans/${planId}/goals/${goalId}`);
  expect(own.text).toContain('Exit tickets &lt;script&gt;x()&lt;/script&gt; show misconceptions');
  expect((await coach.get(`/plans/${planId}/goals/${goalId}`)).text).toContain('I regroup students the next day');
  const staffView = await lead.get(`/plans/${planId}/goals/${goalId}`);
  expect(staffView.status).toBe(200);
  expect(staffView.text).not.toContain('I regroup students the next day');
  expect(staffView.text).toContain('The teacher keeps their reflections private.');
  const reflectionId = plans.findGoal(await plan(), goalId).reflections[0]!._id;
  await teacher.post(`/plans/${planId}/goals/${goalId}/reflections/${reflectionId}/share`, { shared: 'yes' });
  expect((await lead.get(`/plans/${planId}/goals/${goalId}`)).text).toContain('I regroup students the next day');
  const empty = await teacher.post(`/plans/${planId}/goals/${goalId}/reflections`, { learned: '', practice: '' });
  expect(empty.status).toBe(400);
  expect(empty.text).toContain('Write what you learned');
  expect(plans.findGoal(await plan(), goalId).reflections).toHaveLength(1);
});

test('coach reads the plan from the caseload, leaves feedback, and the teacher replies', async () => {
  const home = await coach.get('/coach');
  expect(home.text).toContain("Your teachers' plans");
  expect(home.text).toContain('Maya');
  const view = await coach.get(`/plans/${planId}`);
  expect(view.status).toBe(200);
  expect(view.text).not.toContain('Add a goal');
  expect((await coach.post(`/plans/${planId}/goals/${goalId}/feedback`, { text: 'Try a hinge question mid-lesson.' })).status).toBe(303);
  expect((await teacher.post(`/plans/${planId}/goals/${goalId}/feedback`, { text: 'Will do on Tuesday.' })).status).toBe(303);
  const thread = await teacher.get(`/plans/${planId}/goals/${goalId}`);
  expect(thread.text).toContain('Try a hinge question mid-lesson.');
  expect(thread.text).toContain('Will do on Tuesday.');
  expect((await colleague.post(`/plans/${planId}/goals/${goalId}/feedback`, { text: 'hi' })).status).toBe(403);
  expect((await coach.post(`/plans/${planId}/goals/${goalId}/activities/${plans.findGoal(await plan(), goalId).activities[0]!._id}/progress`, { status: 'done' })).status).toBe(403);
});

test('the coaching conversation is the teacher\'s and their coach\'s only: PD staff and an approver see the goal, not the messages', async () => {
  await h.launchAs(h.canvas, 'teacher3');
  const sam = await users.findBySub(tenantId(), h.canvas.users.teacher3.sub);
  await users.setGrants(tenantId(), sam!._id, ['approver'], { userId: sam!._id, name: 'test' });
  const approver = await h.launchAs(h.canvas, 'teacher3');
  for (const outsider of [lead, approver]) {
    const page = await outsider.get(`/plans/${planId}/goals/${goalId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Coaching conversation');
    expect(page.text).toContain('private to the teacher and their coach');
    expect(page.text).not.toContain('Try a hinge question mid-lesson.');
    expect(page.text).not.toContain('Will do on Tuesday.');
    expect((await outsider.post(`/plans/${planId}/goals/${goalId}/feedback`, { text: 'Staff note' })).status).toBe(403);
  }
  for (const insider of [coach, teacher]) {
    const page = await insider.get(`/plans/${planId}/goals/${goalId}`);
    expect(page.text).toContain('Try a hinge question mid-lesson.');
    expect(page.text).toContain('Will do on Tuesday.');
  }
  const record = JSON.parse((await teacher.get('/my-record.json')).text);
  expect(JSON.stringify(record)).toContain('Will do on Tuesday.');
  expect(plans.findGoal(await plan(), goalId).feedback.map((f) => f.text)).toEqual(['Try a hinge question mid-lesson.', 'Will do on Tuesday.']);
});

test('a form with too many fields or an upload with too many files is refused with 413 and a clear page; nothing is stored', async () => {
  const before = await plan();
  const many = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`f${i}`, 'x']));
  const flood = await teacher.post(`/plans/${planId}/goals/${goalId}/feedback`, { text: 'flood', ...many });
  expect(flood.status).toBe(413);
  expect(flood.text).toContain('The form has too many fields.');
  const activity = plans.findGoal(before, goalId).activities[0]!;
  const path = `/plans/${planId}/goals/${goalId}/activities/${activity._id}/evidence`;
  const twoFiles = await upload(teacher, path, { name: 'a.pdf', type: 'application/pdf', data: pdf }).attach('file', pdf, { filename: 'b.pdf', contentType: 'application/pdf' });
  expect(twoFiles.status).toBe(413);
  expect(twoFiles.text).toContain('Too many files');
  const after = await plan();
  expect(plans.findGoal(after, goalId).feedback).toHaveLength(plans.findGoal(before, goalId).feedback.length);
  expect(plans.findPlanActivity(plans.findGoal(after, goalId), activity._id).evidence).toHaveLength(activity.evidence.length);
});

test('manual progress and a verified certificate complete the goal (its reflection exists) with a celebration', async () => {
  const goal = plans.findGoal(await plan(), goalId);
  for (const a of goal.activities) expect((await teacher.post(`/plans/${planId}/goals/${goalId}/activities/${a._id}/progress`, { status: 'done' })).status).toBe(303);
  const waiting = plans.findGoal(await plan(), goalId).activities.filter((a) => a.status === 'awaiting-verification');
  for (const a of waiting) {
    const path = `/plans/${planId}/goals/${goalId}/activities/${a._id}/evidence`;
    await upload(teacher, path, { name: 'certificate.png', type: 'image/png', data: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]) }, { isCertificate: 'on' });
    const evidenceId = plans.findPlanActivity(plans.findGoal(await plan(), goalId), a._id).evidence[0]!._id;
    expect((await lead.post(`${path}/${evidenceId}/decision`, { decision: 'verify' })).status).toBe(303);
  }
  const done = plans.findGoal(await plan(), goalId);
  expect(done.activities.every((a) => a.status === 'done')).toBe(true);
  expect(done.status).toBe('completed');
  const notices = await teacher.get('/notifications');
  expect(notices.text).toContain('Goal completed');
  expect(notices.text).toContain('celebrate');
});

test('the review stores a self re-rating per goal; renewal carries the unfinished goal into a new draft', async () => {
  const p = await plan();
  const form = await teacher.get(`/plans/${planId}/review`);
  expect(form.text).toContain('Annual review');
  const missing = await teacher.post(`/plans/${planId}/review`, {});
  expect(missing.status).toBe(400);
  expect((await plan()).status).toBe('active');
  const fields: Record<string, string> = {};
  for (const g of p.goals) {
    fields[`goals.${g._id}.reflection`] = `Looking back on ${g.statement.slice(0, 20)}`;
    fields[`goals.${g._id}.selfLevel`] = '3';
  }
  expect((await teacher.post(`/plans/${planId}/review`, fields)).status).toBe(303);
  const reviewed = await plan();
  expect(reviewed.status).toBe('in-review');
  expect(reviewed.reviews[0]!.goals.map((g) => g.selfLevel)).toEqual([3, 3]);
  const renewed = await teacher.post(`/plans/${planId}/renew`);
  expect(renewed.status).toBe(303);
  const next = await plans.currentPlan(tenantId(), p.userId);
  expect(String(next!._id)).not.toBe(planId);
  expect(next!.goals).toHaveLength(1);
  expect(next!.goals[0]!.origin?.kind).toBe('carried');
  expect(next!.goals[0]!.activities.every((a) => a.status !== 'done')).toBe(true);
  expect((await plan()).status).toBe('closed');
  expect((await teacher.get(`/plans/${next!._id}`)).text).toContain('Carried over from your previous plan');
});

test('other tenants cannot see the plan at all', async () => {
  const moodleTeacher = await h.launchAs(h.moodle, 'pdlead');
  expect((await moodleTeacher.get(`/plans/${planId}`)).status).toBe(404);
  expect(await mongoose.connection.db!.collection('plans').countDocuments({ tenantId: h.moodle.tenantId })).toBe(0);
});
