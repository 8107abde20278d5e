import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as placements from '../../src/placements/service';
import * as plans from '../../src/plans/service';
import { Harness, Session, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { idFrom, pathwayFields } from '../support/pathways';

let h: Harness;
let staff: Session;
let teacher: Session;
let teacher3: Session;
let moodleStaff: Session;
const act: Record<string, string> = {};
beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(h.canvas.tenantId);
  await catalog.ensureSampleCatalog(h.canvas.tenantId);
  for (const a of await catalog.listActivities(h.canvas.tenantId)) act[a.sampleKey!] = String(a._id);
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  await h.launchAs(h.canvas, 'teacher2');
  teacher3 = await h.launchAs(h.canvas, 'teacher3');
  moodleStaff = await h.launchAs(h.moodle, 'pdlead');
});
afterAll(() => h.close());

const db = () => h.db();
const t = () => h.canvas.tenantId;
const userId = async (name: string) => (await db().collection('users').findOne({ tenantId: t(), name }))!._id as Types.ObjectId;
const pathwaysOf = (slug: string) => db().collection('pathways').find({ tenantId: t(), slug }).sort({ version: 1 }).toArray();
const enrolments = () => db().collection('enrolments').find({ tenantId: t() }).toArray();
const assessmentSteps = () => [act['ml-wait-time']!, act['hinge-questions']!, act['formative-in-practice']!];

let v1: string;

describe('creating and publishing a pathway', () => {
  test('bad input comes back with messages by the fields it concerns; nothing saved', async () => {
    const res = await staff.post('/pathways', {
      ...pathwayFields('A', [act['ml-wait-time']!, act['ml-wait-time']!]),
      'steps.2.activityId': 'ffffffffffffffffffffffff',
      ruleKind: 'n-of-m',
      ruleN: '9',
      competencies: ['NOPE9'],
    });
    expect(res.status).toBe(400);
    const text = pageText(res.text);
    expect(text).toContain('Enter a title of at least 3 characters');
    expect(text).toContain('Already step 1');
    expect(text).toContain('The pathway has 3 steps; choose at most that many');
    expect(res.text).toMatch(/id="steps\.1\.activityId-error"/);
    expect(await db().collection('pathways').countDocuments({ tenantId: t() })).toBe(0);
    const unknown = await staff.post('/pathways', { ...pathwayFields('Formative Assessment Essentials', [act['ml-wait-time']!]), 'steps.1.activityId': 'ffffffffffffffffffffffff', competencies: ['NOPE9'] });
    expect(pageText(unknown.text)).toContain('Not in your catalog');
    expect(pageText(unknown.text)).toContain('Not in your framework: NOPE9');
    expect(await db().collection('pathways').countDocuments({ tenantId: t() })).toBe(0);
  });

  test('PD staff create a draft (teachers cannot see it), then publish it', async () => {
    expect((await teacher.post('/pathways', pathwayFields('Sneaky', assessmentSteps()))).status).toBe(403);
    const fields = pathwayFields('Formative Assessment Essentials', assessmentSteps(), { electives: [act['hinge-questions']!], competencies: ['ASMT1'] });
    const created = await staff.post('/pathways', fields);
    expect(created.status).toBe(303);
    v1 = idFrom(created.headers.location, 'pathways');
    const [doc] = await pathwaysOf('formative-assessment-essentials');
    expect(doc).toMatchObject({ version: 1, status: 'draft', estimatedHours: 16, estimatedCost: 0, rule: { kind: 'all' } });
    expect(doc!.steps.map((s: { required: boolean }) => s.required)).toEqual([true, false, true]);
    expect((await teacher.get(`/pathways/${v1}`)).status).toBe(403);
    expect((await staff.get(`/pathways/${v1}/assign`)).status).toBe(400);

    expect((await staff.post(`/pathways/${v1}/publish`)).status).toBe(303);
    const page = pageText((await teacher.get(`/pathways/${v1}`)).text);
    expect(page).toContain('Complete every required step');
    expect(page).toContain('Wait Time and No-Hands-Up Questioning Required');
    expect(page).toContain('Hinge Questions and Mini-Whiteboards Elective');
    expect(page).toContain('Your PD office assigns this pathway');
    expect((await teacher.post(`/pathways/${v1}/enrol`)).status).toBe(403);
    expect(await db().collection('auditLog').countDocuments({ tenantId: t(), action: { $in: ['pathway.created', 'pathway.published'] } })).toBe(2);
  });
});

describe('assigning', () => {
  test('to chosen people: each gets the assigned goal (a draft plan when they had none) and sees it in My pathways', async () => {
    const maya = await userId('Maya Patel');
    const jordan = await userId('Jordan Lee');
    const res = await staff.post(`/pathways/${v1}/assign/people`, { userIds: [String(maya), String(jordan)], dueAt: '2031-06-30' });
    expect(res.status).toBe(303);
    const batchPage = pageText((await staff.get(res.headers.location.replace(/\?.*/, ''))).text);
    expect(batchPage).toContain('2 assigned, 0 already on it, 0 failed');
    const mayaPlan = await plans.currentPlan(t(), maya);
    const goal = mayaPlan!.goals.find((g) => g.origin?.kind === 'pathway')!;
    expect(goal).toMatchObject({ statement: 'Complete the “Formative Assessment Essentials” pathway.', origin: { pathway: { version: 1 } }, rule: { kind: 'all' } });
    expect(goal.activities.map((a) => a.title)).toEqual(['Wait Time and No-Hands-Up Questioning', 'Hinge Questions and Mini-Whiteboards', 'Formative Assessment in Practice']);
    expect(goal.origin!.dueAt!.toISOString().slice(0, 10)).toBe('2031-06-30');

    const mine = pageText((await teacher.get('/pathways/mine')).text);
    expect(mine).toContain('Formative Assessment Essentials');
    expect(mine).toContain('Assigned by your PD office');
    expect(mine).toContain('due Jun 30, 2031');
    expect(mine).toContain('Wait Time and No-Hands-Up Questioning Not started');
    const notices = await db().collection('notifications').find({ tenantId: t(), userId: maya, kind: 'goal.assigned' }).toArray();
    expect(notices).toHaveLength(1);

    const again = await staff.post(`/pathways/${v1}/assign/people`, { userIds: String(maya), dueAt: '' });
    expect(pageText((await staff.get(again.headers.location.replace(/\?.*/, ''))).text)).toContain('0 assigned, 1 already on it');
    expect((await plans.currentPlan(t(), maya))!.goals.filter((g) => g.origin?.kind === 'pathway')).toHaveLength(1);
  });

  test('to a school: its members are enrolled once; a bad due date or an empty choice assigns nothing', async () => {
    const before = await enrolments();
    const past = await staff.post(`/pathways/${v1}/assign/people`, { q: 'chris', userIds: String(await userId('Chris Okafor')), dueAt: '2001-01-01' });
    expect(past.status).toBe(400);
    expect(pageText(past.text)).toContain('The due date is in the past');
    const none = await staff.post(`/pathways/${v1}/assign/people`, { q: 'chris', dueAt: '' });
    expect(pageText(none.text)).toContain('Choose at least one person');
    expect(await enrolments()).toHaveLength(before.length);

    const school = await staff.post('/groups', { name: 'Lincoln Elementary', kind: 'school' });
    const schoolId = idFrom(school.headers.location, 'groups');
    await staff.post(`/groups/${schoolId}/members`, { userIds: [String(await userId('Maya Patel')), String(await userId('Chris Okafor'))] });
    const res = await staff.post(`/pathways/${v1}/assign/group`, { groupId: schoolId, dueAt: '' });
    expect(pageText((await staff.get(res.headers.location.replace(/\?.*/, ''))).text)).toContain('1 assigned, 1 already on it');
    expect((await enrolments()).map((e) => e.slug)).toEqual(['formative-assessment-essentials', 'formative-assessment-essentials', 'formative-assessment-essentials']);
  });

  test('a teacher adds an open pathway to their own plan; nobody else can manage pathways', async () => {
    const open = await staff.post('/pathways', pathwayFields('Wellbeing Basics', [act['sustainable-teaching']!, act['ml-boundaries']!], { selfEnrol: true, ruleKind: 'n-of-m', ruleN: 1 }));
    const id = idFrom(open.headers.location, 'pathways');
    await staff.post(`/pathways/${id}/publish`);
    const listed = pageText((await teacher3.get('/pathways')).text);
    expect(listed).toContain('Wellbeing Basics');
    expect(listed).toContain('Open for self-enrolment');
    expect(pageText((await teacher3.get(`/pathways/${id}`)).text)).toContain('Add to my plan');
    expect((await teacher3.post(`/pathways/${id}/enrol`)).headers.location).toContain('/pathways/mine');
    expect((await teacher3.post(`/pathways/${id}/enrol`)).status).toBe(303);
    const chris = await userId('Chris Okafor');
    const mine = (await enrolments()).filter((e) => e.userId.equals(chris));
    expect(mine.map((e) => e.source).sort()).toEqual(['assigned', 'self']);
    const plan = await plans.currentPlan(t(), chris);
    expect(plan!.goals.find((g) => g.origin?.pathway?.title === 'Wellbeing Basics')).toMatchObject({ rule: { kind: 'n-of-m', n: 1 } });
    expect(pageText((await teacher3.get('/pathways/mine')).text)).toContain('You added it');

    expect((await teacher.post(`/pathways/${id}/archive`)).status).toBe(403);
    expect((await teacher.get(`/pathways/${id}/assign`)).status).toBe(403);
    expect((await moodleStaff.get(`/pathways/${id}`)).status).toBe(404);
    expect((await moodleStaff.post(`/pathways/${id}/archive`)).status).toBe(404);
    expect((await moodleStaff.get('/pathways')).text).not.toContain('Wellbeing Basics');
  });
});

describe('placed in a course', () => {
  test('a pathway placed in the teacher’s course offers “Add to my plan” even when not open to everyone; a badge must exist', async () => {
    const id = idFrom((await staff.post('/pathways', pathwayFields('Data Team Starter', [act['data-team-plc']!]))).headers.location, 'pathways');
    await staff.post(`/pathways/${id}/publish`);
    const jordan = await h.launchAs(h.canvas, 'teacher2');
    expect(pageText((await jordan.get(`/pathways/${id}`)).text)).toContain('Your PD office assigns this pathway');
    const contextId = h.canvas.course.contextId ?? h.canvas.course.id;
    await placements.recordPlacements(t(), contextId, [{ kind: 'pathway', ref: 'data-team-starter', title: 'Pathway: Data Team Starter', target: `/pathways/${id}`, resourceId: 'pdp-pathway-data-team-starter', tag: 'pd-pathway' }], { userId: await userId('Alex Kim'), name: 'Alex Kim' });
    expect(pageText((await jordan.get(`/pathways/${id}`)).text)).toContain('Add to my plan');
    expect((await jordan.post(`/pathways/${id}/enrol`)).headers.location).toContain('/pathways/mine');
    expect((await enrolments()).filter((e) => e.slug === 'data-team-starter').map((e) => e.source)).toEqual(['self']);
    const outside = await h.launchAs(h.canvas, 'teacher3', { course: undefined });
    expect((await outside.post(`/pathways/${id}/enrol`)).status).toBe(403);

    const badBadge = await staff.post('/pathways', { ...pathwayFields('With a badge', [act['data-team-plc']!]), achievementId: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(badBadge.status).toBe(400);
    expect(pageText(badBadge.text)).toContain('Choose a badge from the list');
  });
});

describe('versions', () => {
  let v2: string;

  test('editing a published pathway opens one draft of the next version; the published one is untouched', async () => {
    const first = await staff.post(`/pathways/${v1}/revise`);
    v2 = idFrom(first.headers.location, 'pathways');
    expect(first.headers.location).toContain(`/pathways/${v2}/edit`);
    expect(idFrom((await staff.post(`/pathways/${v1}/revise`)).headers.location, 'pathways')).toBe(v2);
    const drafts = await pathwaysOf('formative-assessment-essentials');
    expect(drafts.map((d) => [d.version, d.status])).toEqual([[1, 'published'], [2, 'draft']]);
    expect((await staff.post(`/pathways/${v1}`, pathwayFields('Changed in place', assessmentSteps()))).status).toBe(409);

    // v2 drops the hinge-questions workshop, adds a feedback workshop and asks for any 2 of 3 steps.
    const edited = await staff.post(`/pathways/${v2}`, pathwayFields('Formative Assessment Essentials', [act['ml-wait-time']!, act['formative-in-practice']!, act['feedback-students-use']!], { ruleKind: 'n-of-m', ruleN: 2, competencies: ['ASMT1'] }));
    expect(edited.status).toBe(303);
    expect((await teacher.get(`/pathways/${v1}`)).text).toContain('Hinge Questions and Mini-Whiteboards');
  });

  test('after publishing, PD staff preview per person what moving to the new version changes, then move the chosen people', async () => {
    const maya = await userId('Maya Patel');
    const jordan = await userId('Jordan Lee');
    const hinge = new Types.ObjectId(act['hinge-questions']!);
    const wait = new Types.ObjectId(act['ml-wait-time']!);
    await plans.applyActivityCompletion(t(), { userId: maya, activityId: wait, completedAt: new Date(), source: 'manual' });
    await plans.applyActivityCompletion(t(), { userId: maya, activityId: hinge, completedAt: new Date(), source: 'manual' });

    expect((await staff.post(`/pathways/${v2}/publish`)).status).toBe(303);
    expect((await pathwaysOf('formative-assessment-essentials')).map((d) => d.status)).toEqual(['superseded', 'published']);
    expect(pageText((await staff.get(`/pathways/${v2}`)).text)).toContain('3 people are on an earlier version');
    const stillOnV1 = pageText((await teacher.get(`/pathways/${v2}`)).text);
    expect(stillOnV1).toContain('Hinge Questions and Mini-Whiteboards');
    expect(stillOnV1).not.toContain('Feedback That Students Use');

    const preview = await staff.get(`/pathways/${v2}/migrate`);
    const mayaRow = pageText(preview.text.match(/<tr>\s*<td><input[^>]*value="[a-f0-9]+"[\s\S]*?Maya Patel[\s\S]*?<\/tr>/)![0]);
    expect(mayaRow).toContain('Feedback That Students Use');
    expect(mayaRow).toContain('Hinge Questions and Mini-Whiteboards');
    expect(mayaRow).toMatch(/ 1 Hinge Questions and Mini-Whiteboards /);
    expect(mayaRow).toContain('Complete every required step → Complete any 2 of the 3 steps');

    const res = await staff.post(`/pathways/${v2}/migrate`, { userIds: String(maya) });
    expect(res.headers.location).toContain('migrated=1');
    const goal = (await plans.currentPlan(t(), maya))!.goals.find((g) => g.origin?.kind === 'pathway')!;
    expect(goal.activities.map((a) => [a.title, a.status])).toEqual([
      ['Wait Time and No-Hands-Up Questioning', 'done'],
      ['Formative Assessment in Practice', 'not-started'],
      ['Feedback That Students Use', 'not-started'],
    ]);
    expect(goal).toMatchObject({ rule: { kind: 'n-of-m', n: 2 }, origin: { pathway: { version: 2 } } });
    const versions = Object.fromEntries((await enrolments()).filter((e) => e.slug === 'formative-assessment-essentials').map((e) => [String(e.userId), e.version]));
    expect(versions[String(maya)]).toBe(2);
    expect(versions[String(jordan)]).toBe(1);
    expect(pageText((await staff.get(`/pathways/${v2}/migrate`)).text)).not.toContain('Maya Patel');
    expect(pageText((await teacher.get(`/pathways/${v1}`)).text)).toContain('Feedback That Students Use');
    const notice = await db().collection('notifications').findOne({ tenantId: t(), userId: maya, kind: 'pathway.updated' });
    expect(notice).toMatchObject({ title: 'Your pathway “Formative Assessment Essentials” was updated', body: 'New steps: Feedback That Students Use. No longer part of it: Hinge Questions and Mini-Whiteboards. 1 finished step still counts.' });
    expect(await db().collection('notifications').countDocuments({ tenantId: t(), userId: jordan, kind: 'pathway.updated' })).toBe(0);
  });
});

describe('the step editor', () => {
  /** The activity ids of the step rows, in the order the form shows them. */
  const rowsOf = (html: string) => [...html.matchAll(/<select id="steps\.(\d+)\.activityId"[\s\S]*?<\/select>/g)].map((m) => /<option value="([a-f0-9]{24})" selected/.exec(m[0])?.[1] ?? '');
  const three = () => pathwayFields('Questioning Deep Dive', [act['ml-wait-time']!, act['hinge-questions']!, act['formative-in-practice']!]);

  test('adds, moves and removes steps in place without saving, keeping what was typed', async () => {
    const before = await db().collection('pathways').countDocuments({ tenantId: t() });
    // As a browser posts it: the three steps and the empty row under them.
    const added = await staff.post('/pathways', { ...three(), 'steps.3.activityId': '', stepAction: 'add' });
    expect(added.status).toBe(200);
    expect(rowsOf(added.text)).toEqual([act['ml-wait-time'], act['hinge-questions'], act['formative-in-practice'], '', '']);
    expect(added.text).toContain('value="Questioning Deep Dive"');
    const moved = await staff.post('/pathways', { ...three(), stepAction: 'up:2' });
    expect(rowsOf(moved.text)).toEqual([act['ml-wait-time'], act['formative-in-practice'], act['hinge-questions'], '']);
    const removed = await staff.post('/pathways', { ...three(), stepAction: 'remove:0' });
    expect(rowsOf(removed.text)).toEqual([act['hinge-questions'], act['formative-in-practice'], '']);
    expect(removed.text).toMatch(/value="down:0" formnovalidate\s*>/);
    expect(removed.text).toMatch(/value="up:0" formnovalidate disabled/);
    expect(await db().collection('pathways').countDocuments({ tenantId: t() })).toBe(before);
    expect((await staff.post('/pathways', { ...three(), stepAction: 'explode' })).status).toBe(400);
    expect((await teacher.post('/pathways', { ...three(), stepAction: 'add' })).status).toBe(403);
  });

  test('saving keeps the order the buttons made', async () => {
    const fields = { ...three(), 'steps.0.activityId': act['formative-in-practice'], 'steps.2.activityId': act['ml-wait-time'] };
    const created = await staff.post('/pathways', fields);
    expect(created.status).toBe(303);
    const stored = await db().collection('pathways').findOne({ _id: new Types.ObjectId(idFrom(created.headers.location, 'pathways')) });
    expect(stored!.steps.map((s: { activityId: Types.ObjectId }) => String(s.activityId))).toEqual([act['formative-in-practice'], act['hinge-questions'], act['ml-wait-time']]);
  });

  test('“any 1 of 2” never labels a step Required; “every required step” needs one required step', async () => {
    const anyOne = await staff.post('/pathways', pathwayFields('Choose Your Focus', [act['ml-wait-time']!, act['hinge-questions']!], { ruleKind: 'n-of-m', ruleN: 1 }));
    expect(anyOne.status).toBe(303);
    const page = pageText((await staff.get(`/pathways/${idFrom(anyOne.headers.location, 'pathways')}`)).text);
    expect(page).toContain('Complete any 1 of the 2 steps');
    expect(page).not.toMatch(/\bRequired\b/);
    expect(page).toContain('Choice');
    const noneRequired = await staff.post('/pathways', pathwayFields('All Electives', [act['ml-wait-time']!, act['hinge-questions']!], { electives: [act['ml-wait-time']!, act['hinge-questions']!] }));
    expect(noneRequired.status).toBe(400);
    expect(pageText(noneRequired.text)).toContain('Under “every required step” tick Required on at least one step');
    expect(await db().collection('pathways').countDocuments({ tenantId: t(), title: 'All Electives' })).toBe(0);
  });
});
