import { Types } from 'mongoose';
import * as assessments from '../../src/assessments/service';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as users from '../../src/users/service';
import { Harness, Persona, Session, startHarness } from '../support/harness';
import { pageText } from '../support/forms';

let h: Harness;
let teacher: Session;
let teacher2: Session;
let coach: Session;
let staff: Session;
let ids: Record<Persona, Types.ObjectId>;

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(h.canvas.tenantId);
  await catalog.ensureSampleCatalog(h.canvas.tenantId);
  [teacher, teacher2, coach, staff] = await Promise.all((['teacher', 'teacher2', 'coach', 'pdlead'] as const).map((p) => h.launchAs(h.canvas, p)));
  await h.launchAs(h.canvas, 'teacher3');
  const personas = ['teacher', 'teacher2', 'teacher3', 'coach', 'pdlead'] as const;
  ids = Object.fromEntries(await Promise.all(personas.map(async (p) => [p, (await users.findBySub(h.canvas.tenantId, h.canvas.users[p].sub))!._id]))) as Record<Persona, Types.ObjectId>;
  for (const t of ['teacher', 'teacher2'] as const) await users.setCoaches(h.canvas.tenantId, ids[t], [ids.coach]);
});
afterAll(() => h.close());

const stored = (userId: Types.ObjectId) => h.db().collection('assessments').find({ tenantId: h.canvas.tenantId, userId }).toArray();
const headings = (html: string) => [...html.matchAll(/<h2 id="rec-([A-Z0-9_-]+)">/g)].map((m) => m[1]);

/** Every competency Proficient unless told otherwise. */
function answers(levels: Record<string, number | string>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const form: Record<string, unknown> = { hoursPerMonth: '3', notes: '' };
  for (const code of ['PLAN1', 'PLAN2', 'INST1', 'INST2', 'INST3', 'ASMT1', 'ASMT2', 'ASMT3', 'ENV1', 'ENV2', 'GROW1', 'GROW2']) form[`level.${code}`] = String(levels[code] ?? 3);
  return { ...form, ...extra };
}

const mayaAnswers = answers(
  { ASMT1: 1, PLAN1: 2, ENV1: 2 },
  { 'target.ENV1': '4', interests: ['ASMT1', 'INST1'], modes: ['online', 'blended'], notes: 'Nervous about <script>alert(1)</script> observations' },
);

test('before the assessment the teacher home invites them to start it, and recommendations say why they are empty', async () => {
  expect(pageText((await teacher.get('/dashboard')).text)).toContain('Start your needs assessment');
  expect(pageText((await teacher.get('/recommendations')).text)).toContain('you have not taken yet');
  const form = await teacher.get('/assessment');
  expect(form.status).toBe(200);
  expect(form.text).toMatch(/<input type="radio" name="level\.ASMT1" value="2" id="level\.ASMT1-2"/);
  expect(pageText(form.text)).toContain('2 · Developing — Exit tickets or quick checks are used now and then');
});

test('a missing rating or a rating of 7 comes back with messages, the answers kept, and nothing saved', async () => {
  const missing = { ...mayaAnswers };
  delete missing['level.GROW2'];
  const res = await teacher.post('/assessment', missing);
  expect(res.status).toBe(400);
  expect(pageText(res.text)).toContain('Choose your current level in Wellbeing and sustainable workload');
  expect(res.text).toMatch(/id="level\.GROW2-1"[^>]*aria-invalid="true" aria-describedby="level\.GROW2-error"/);
  expect(res.text).toMatch(/id="level\.ASMT1-1" checked/);
  expect(res.text).toContain('Nervous about &lt;script&gt;');

  const seven = await teacher.post('/assessment', { ...mayaAnswers, 'level.INST2': '7', hoursPerMonth: '-4' });
  expect(seven.status).toBe(400);
  expect(pageText(seven.text)).toContain('Choose a level from 1 (Beginning) to 4 (Leading)');
  expect(pageText(seven.text)).toContain('Hours cannot be negative');
  expect(await stored(ids.teacher)).toHaveLength(0);
});

test('the teacher completes the assessment: dated result, escaped notes, a celebration and a notice to the coach', async () => {
  const res = await teacher.post('/assessment', mayaAnswers);
  expect(res.status).toBe(303);
  expect(res.headers.location).toMatch(/^\/assessments\/[a-f0-9]{24}\?ltik=/);
  const result = await teacher.get(res.headers.location.replace(/\?.*/, ''));
  const text = pageText(result.text);
  expect(text).toContain('Saved on');
  expect(text).toContain('See your recommendations');
  expect(result.text).toContain('Nervous about &lt;script&gt;alert(1)&lt;/script&gt; observations');
  expect(result.text).not.toContain('<script>alert(1)</script>');
  const [doc] = await stored(ids.teacher);
  expect(doc).toMatchObject({ interests: ['ASMT1', 'INST1'], formats: { modes: ['online', 'blended'], timings: [] }, hoursPerMonth: 3 });
  expect(doc!.ratings.find((r: { competency: string }) => r.competency === 'ENV1')).toEqual({ competency: 'ENV1', level: 2, target: 4 });
  const notices = await h.db().collection('notifications').find({ tenantId: h.canvas.tenantId }).toArray();
  expect(notices.find((n) => n.userId.equals(ids.teacher))).toMatchObject({ celebrate: true, title: 'You completed your first needs assessment' });
  expect(notices.find((n) => n.userId.equals(ids.coach))?.title).toBe('Maya Patel completed a needs assessment');
  const audit = await h.db().collection('auditLog').findOne({ tenantId: h.canvas.tenantId, action: 'assessment.submitted' });
  expect(JSON.stringify(audit)).not.toContain('Nervous');
});

test('recommendations are ranked by need and interest, and each suggestion says why', async () => {
  const page = await teacher.get('/recommendations');
  expect(headings(page.text)).toEqual(['ASMT1', 'ENV1', 'PLAN1', 'INST1']);
  const text = pageText(page.text);
  expect(text).toContain('Book Study: Formative Assessment and Feedback');
  expect(text).toContain('matches your interest in Formative assessment');
  expect(text).toContain('blended, self-paced');
  expect(text).toContain('$35.00, within your remaining $1,500.00');
  expect(text).toContain('Designing Units Backward from Evidence');
  expect(text).toContain('builds toward Proficient (level 3)');
  // Nothing fits: say why, honestly.
  expect(text).toContain('1 activity builds toward Proficient (level 3), but none fits: 1 is not in the formats you chose (online, blended; any timing)');
  expect(text).toContain('The catalog has no activity for Questioning and discussion that builds toward Leading (level 4) yet');
  expect(text).not.toContain('Hinge Questions');
  const home = pageText((await teacher.get('/dashboard')).text);
  expect(home).toMatch(/Your top competencies to work on: Formative assessment .* Routines and classroom management .* Unit and lesson design/);
});

test('suggestions respect hours per month and the remaining budget', async () => {
  const res = await teacher2.post('/assessment', answers({ ASMT2: 2, PLAN1: 1 }, { hoursPerMonth: '1', timings: 'sync' }));
  expect(res.status).toBe(303);
  const recs = await assessments.recommendationsFor(h.canvas.tenantId, ids.teacher2, { remainingBudget: 100 });
  const asmt2 = recs.find((r) => r.competency.code === 'ASMT2')!;
  // Feedback That Students Use: 6 h, live, $150 — more than 3 h in three months and over budget.
  expect(asmt2.activities).toEqual([]);
  expect(asmt2.leftOut).toMatchObject({ atLevel: 2, time: 1, budget: 1, format: 1 });
  const plan1 = recs.find((r) => r.competency.code === 'PLAN1')!;
  expect(plan1.activities.map((a) => a.activity.title)).toEqual([]);
  expect(plan1.leftOut.format).toBe(1);
  const roomy = await assessments.recommendationsFor(h.canvas.tenantId, ids.teacher, { remainingBudget: 20 });
  expect(roomy.find((r) => r.competency.code === 'ASMT1')!.leftOut.budget).toBe(1);
  expect(roomy.find((r) => r.competency.code === 'ASMT1')!.activities).toEqual([]);
  const page = pageText((await teacher2.get('/recommendations')).text);
  expect(page).toContain('1 takes more than your 3 h over the next 3 months');
});

test('a coach observation becomes the current level and changes the recommendations', async () => {
  const form = await coach.get(`/observations/new?teacher=${ids.teacher}`);
  expect(form.status).toBe(200);
  expect(pageText(form.text)).toContain('current: 1 · Beginning');
  const bad = await coach.post('/observations', { teacher: String(ids.teacher), observedOn: '2020-01-01', 'level.ASMT1': '9' });
  expect(bad.status).toBe(400);
  expect(pageText(bad.text)).toContain('Choose a level from 1 (Beginning) to 4 (Leading)');
  const saved = await coach.post('/observations', {
    teacher: String(ids.teacher),
    observedOn: '2026-11-02',
    'level.ASMT1': '3',
    'note.ASMT1': 'Used mini whiteboards with every student.',
    'level.PLAN1': '',
    notes: 'Strong routines',
  });
  expect(saved.status).toBe(303);
  const levels = await assessments.currentLevels(h.canvas.tenantId, ids.teacher);
  expect(levels.get('ASMT1')).toEqual({ level: 3, source: 'coach' });
  expect(levels.get('PLAN1')).toEqual({ level: 2, source: 'self' });
  const page = await teacher.get('/recommendations');
  expect(headings(page.text)).toEqual(['ENV1', 'PLAN1', 'INST1', 'ASMT1']);
  expect(pageText(page.text)).toContain('3 · Proficient, from your coach’s observation');
  const observation = await teacher.get(saved.headers.location.replace(/\?.*/, ''));
  expect(pageText(observation.text)).toContain('Used mini whiteboards with every student.');
  const notice = await h.db().collection('notifications').findOne({ userId: ids.teacher, kind: 'observation.recorded' });
  expect(notice?.title).toBe('Sam Rivera recorded a classroom observation');
});

test('the coach home lists the caseload with assessment dates and observation links', async () => {
  const home = await coach.get('/coach');
  const text = pageText(home.text);
  expect(text).toContain('Your caseload');
  expect(text).toContain('Maya Patel');
  expect(text).toContain('Jordan Lee');
  expect(text).not.toContain('Chris Okafor');
  expect(home.text).toContain(`/observations/new?teacher=${ids.teacher2}`);
});

test('a coach cannot observe a teacher outside the caseload', async () => {
  expect((await coach.get(`/observations/new?teacher=${ids.teacher3}`)).status).toBe(403);
  const res = await coach.post('/observations', { teacher: String(ids.teacher3), observedOn: '2026-11-02', 'level.ASMT1': '2' });
  expect(res.status).toBe(403);
  expect(await h.db().collection('observations').countDocuments({ teacherId: ids.teacher3 })).toBe(0);
  expect((await teacher2.get(`/observations/new?teacher=${ids.teacher}`)).status).toBe(403);
});

test('assessments are private: colleagues cannot read them, coaches read notes, PD staff read ratings only', async () => {
  const [doc] = await stored(ids.teacher);
  const path = `/assessments/${doc!._id}`;
  expect((await teacher2.get(path)).status).toBe(403);
  const asCoach = await coach.get(path);
  expect(asCoach.status).toBe(200);
  expect(asCoach.text).toContain('Nervous about &lt;script&gt;');
  const asStaff = await staff.get(path);
  expect(asStaff.status).toBe(200);
  expect(pageText(asStaff.text)).toContain('Formative assessment');
  expect(asStaff.text).not.toContain('Nervous');
  const observation = await h.db().collection('observations').findOne({ teacherId: ids.teacher });
  expect((await teacher2.get(`/observations/${observation!._id}`)).status).toBe(403);
  expect((await staff.get(`/observations/${observation!._id}`)).status).toBe(403);
});

test('another tenant sees none of it', async () => {
  const [doc] = await stored(ids.teacher);
  const moodleCoach = await h.launchAs(h.moodle, 'coach');
  expect((await moodleCoach.get(`/assessments/${doc!._id}`)).status).toBe(404);
  expect((await moodleCoach.get(`/observations/new?teacher=${ids.teacher}`)).status).toBe(404);
  expect((await moodleCoach.post('/observations', { teacher: String(ids.teacher), observedOn: '2026-11-02', 'level.ASMT1': '1' })).status).toBe(404);
  const moodleTeacher = await h.launchAs(h.moodle, 'teacher');
  expect(pageText((await moodleTeacher.get('/assessment')).text)).toContain('has not chosen a competency framework yet');
  expect(await h.db().collection('observations').countDocuments({ tenantId: h.moodle.tenantId })).toBe(0);
});
