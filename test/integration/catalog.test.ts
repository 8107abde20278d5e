import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import { Harness, Session, startHarness } from '../support/harness';
import { pageText } from '../support/forms';

let h: Harness;
let staff: Session;
let teacher: Session;
let coach: Session;
beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(h.canvas.tenantId);
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  coach = await h.launchAs(h.canvas, 'coach');
});
afterAll(() => h.close());

const activities = () => h.db().collection('activities').find({ tenantId: h.canvas.tenantId }).sort({ _id: 1 }).toArray();
const titlesOn = (html: string) => [...html.matchAll(/<h3 id="activity-[a-f0-9]+"><a [^>]+>([^<]+)<\/a>/g)].map((m) => m[1]);

const workshop = {
  kind: 'workshop',
  title: 'Restorative Circles <b>for</b> Advisory',
  provider: 'District Equity Office',
  description: 'Run weekly circles that build belonging.',
  competencies: ['ENV2', 'GROW1'],
  targetLevel: '3',
  hours: '4.5',
  cost: '60',
  mode: 'in-person',
  timing: 'sync',
  startsOn: '2030-02-03',
  endsOn: '2030-02-10',
  sessions: 'Two Mondays, 3:30–5:45 pm',
  certificateRequired: 'on',
};

test('an empty catalog: PD staff load the sample; teachers see an honest empty state meanwhile', async () => {
  expect(pageText((await teacher.get('/catalog')).text)).toContain('Your PD office has not added activities yet');
  expect((await teacher.post('/catalog/sample')).status).toBe(403);
  expect((await staff.post('/catalog/sample')).status).toBe(303);
  const page = await teacher.get('/catalog');
  expect(titlesOn(page.text).length).toBeGreaterThanOrEqual(20);
  expect(pageText(page.text)).toContain('Formative Assessment in Practice');
  const audit = await h.db().collection('auditLog').findOne({ tenantId: h.canvas.tenantId, action: 'catalog.sample-added' });
  expect(audit).toMatchObject({ actorName: 'Alex Kim', after: { activities: titlesOn(page.text).length } });
});

test('teachers and coaches search by words and filter by competency, kind, format, hours and cost', async () => {
  const search = titlesOn((await coach.get('/catalog?q=formative')).text);
  expect(search).toContain('Formative Assessment in Practice');
  expect(search).not.toContain('Regional EdTech Summit');
  const mentions = (await activities()).filter((a) => /formative/i.test(`${a.title} ${a.description} ${a.provider}`));
  expect(search.sort()).toEqual(mentions.map((a) => a.title).sort());
  expect(titlesOn((await coach.get('/catalog?q=coaching%20routines')).text)).toEqual(['Coaching Cycle: Classroom Routines']);

  const asmt1 = await catalog.listActivities(h.canvas.tenantId, { competency: 'ASMT1' });
  expect(titlesOn((await teacher.get('/catalog?competency=ASMT1')).text).sort()).toEqual(asmt1.map((a) => a.title).sort());

  const cheapShortInPerson = await teacher.get('/catalog?mode=in-person&maxHours=3&maxCost=0');
  const docs = (await activities()).filter((a) => a.format.mode === 'in-person' && a.hours <= 3 && a.cost === 0);
  expect(titlesOn(cheapShortInPerson.text).sort()).toEqual(docs.map((a) => a.title).sort());
  expect(docs.length).toBeGreaterThan(0);

  const kinds = titlesOn((await teacher.get('/catalog?kind=conference')).text);
  expect(kinds.sort()).toEqual(['Regional EdTech Summit', 'State Assessment and Data Conference']);
  expect(pageText((await teacher.get('/catalog?q=zebra')).text)).toContain('No activity matches these filters');
  expect((await teacher.get('/catalog?maxHours=-2')).status).toBe(400);
});

test('PD staff add an activity; teachers cannot', async () => {
  expect((await teacher.get('/catalog/new')).status).toBe(403);
  expect((await teacher.post('/catalog', workshop)).status).toBe(403);
  const res = await staff.post('/catalog', workshop);
  expect(res.status).toBe(303);
  const page = await teacher.get(res.headers.location.replace(/\?.*/, ''));
  const text = pageText(page.text);
  expect(page.text).toContain('Restorative Circles &lt;b&gt;for&lt;/b&gt; Advisory');
  expect(text).toContain('$60.00');
  expect(text).toContain('Feb 3, 2030 to Feb 10, 2030');
  expect(page.text).toContain('<time datetime="2030-02-03">');
  expect(text).toContain('Inclusive and respectful community');
  expect(text).not.toContain('Retire');
  const stored = (await activities()).find((a) => a.title === workshop.title)!;
  expect(stored).toMatchObject({ hours: 4.5, cost: 60, targetLevel: 3, competencies: ['ENV2', 'GROW1'], format: { mode: 'in-person', timing: 'sync' }, certificateRequired: true, status: 'active' });
});

test('bad activity input comes back with field messages and the typed values; nothing saved', async () => {
  const before = await activities();
  const res = await staff.post('/catalog', { ...workshop, title: '', hours: '-1', cost: 'lots', competencies: ['NOPE1'], endsOn: '2030-01-01', kind: 'party' });
  expect(res.status).toBe(400);
  const text = pageText(res.text);
  expect(text).toContain('Enter a title');
  expect(text).toContain('The hours cannot be negative');
  expect(text).toContain('Enter the cost as a number');
  expect(text).toContain('The end date is before the start date');
  expect(text).toContain('Choose the kind of activity');
  expect(res.text).toMatch(/id="hours"[^>]*value="-1"[^>]*aria-invalid="true"/);
  const huge = pageText((await staff.post('/catalog', { ...workshop, hours: '99999', cost: '9999999' })).text);
  expect(huge).toContain('The hours look too large');
  expect(huge).toContain('The cost looks too large');
  const noCompetency = await staff.post('/catalog', { ...workshop, competencies: ['NOPE1'] });
  expect(noCompetency.status).toBe(400);
  expect(pageText(noCompetency.text)).toContain('Not in your framework: NOPE1');
  const unscheduled = await staff.post('/catalog', { ...workshop, startsOn: '', endsOn: '', sessions: '' });
  expect(pageText(unscheduled.text)).toContain('Give a start date or session times, or mark it self-paced');
  expect(await activities()).toEqual(before);
});

test('PD staff edit and retire an activity: retired ones leave browsing and search, and come back when reactivated', async () => {
  const doc = (await activities()).find((a) => a.title === workshop.title)!;
  const edit = await staff.get(`/catalog/${doc._id}/edit`);
  expect(edit.text).toContain('value="2030-02-03"');
  const saved = await staff.post(`/catalog/${doc._id}`, { ...workshop, title: 'Restorative Circles', hours: '6', selfPaced: 'on', startsOn: '', endsOn: '', sessions: '', targetLevel: '' });
  expect(saved.status).toBe(303);
  const after = await catalog.getActivity(h.canvas.tenantId, doc._id);
  expect(after).toMatchObject({ title: 'Restorative Circles', hours: 6, schedule: { selfPaced: true } });
  expect(after.targetLevel).toBeUndefined();
  expect(after.schedule?.startsOn).toBeUndefined();

  expect((await teacher.post(`/catalog/${doc._id}/status`, { status: 'retired' })).status).toBe(403);
  expect((await staff.post(`/catalog/${doc._id}/status`, { status: 'retired' })).status).toBe(303);
  expect(titlesOn((await teacher.get('/catalog?q=restorative')).text)).toEqual([]);
  expect(titlesOn((await teacher.get('/catalog?competency=ENV2')).text)).not.toContain('Restorative Circles');
  expect(titlesOn((await staff.get('/catalog?competency=ENV2&retired=on')).text)).toContain('Restorative Circles');
  expect(pageText((await teacher.get(`/catalog/${doc._id}`)).text)).toContain('This activity is retired');
  expect((await staff.post(`/catalog/${doc._id}/status`, { status: 'active' })).status).toBe(303);
  expect(titlesOn((await teacher.get('/catalog?q=restorative')).text)).toEqual(['Restorative Circles']);
  const actions = (await h.db().collection('auditLog').find({ tenantId: h.canvas.tenantId, 'subject.id': String(doc._id) }).toArray()).map((e) => e.action);
  expect(actions).toEqual(['activity.created', 'activity.updated', 'activity.retired', 'activity.reactivated']);
});

test('the sample catalog links an LMS course to the demo course and seeding twice adds nothing', async () => {
  await catalog.ensureSampleCatalog(h.moodle.tenantId, { lmsCourseIds: [h.moodle.course.id] });
  const count = await h.db().collection('activities').countDocuments({ tenantId: h.moodle.tenantId });
  await catalog.ensureSampleCatalog(h.moodle.tenantId, { lmsCourseIds: [h.moodle.course.id] });
  expect(await h.db().collection('activities').countDocuments({ tenantId: h.moodle.tenantId })).toBe(count);
  const linked = await catalog.activitiesForLmsCourse(h.moodle.tenantId, h.moodle.course.id);
  expect(linked.map((a) => a.kind)).toEqual(['lms-course']);
});

test('another tenant’s activities are invisible', async () => {
  const moodleTeacher = await h.launchAs(h.moodle, 'teacher');
  const canvasOnly = (await activities()).find((a) => a.title === 'Restorative Circles')!;
  expect((await moodleTeacher.get(`/catalog/${canvasOnly._id}`)).status).toBe(404);
  expect(titlesOn((await moodleTeacher.get('/catalog?q=restorative')).text)).toEqual([]);
  const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  expect((await moodleStaff.post(`/catalog/${canvasOnly._id}/status`, { status: 'retired' })).status).toBe(404);
  expect((await catalog.getActivity(h.canvas.tenantId, canvasOnly._id)).status).toBe('active');
});
