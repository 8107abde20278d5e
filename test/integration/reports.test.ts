import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { Harness, Session, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { idFrom, pathwayFields } from '../support/pathways';

let h: Harness;
let staff: Session;
let teacher: Session;
let coach: Session;
let moodleStaff: Session;
const people: Record<'maya' | 'jordan' | 'chris' | 'sam', Types.ObjectId> = {} as never;
const DAY = 86_400_000;
let starterId: string;
const PRIVATE_REFLECTION = 'I learned that my hinge questions were too easy';

/**
 * A small district with known numbers: Lincoln (Maya, Jordan) and Roosevelt (Chris). Everyone is on
 * "Assessment Starter" (3 steps, 5 h): Maya finished it (2 LMS completions, 1 manual) 10 days after
 * joining; Jordan did one step (CSV) and planned a $4000 course in a goal of his own (over the cost cap); Chris has not
 * started, is overdue and owes his annual review. Jordan also joined "Wellbeing Basics" himself.
 */
beforeAll(async () => {
  h = await startHarness();
  const t = h.canvas.tenantId;
  await frameworks.ensureSampleFramework(t);
  await catalog.ensureSampleCatalog(t);
  const act = Object.fromEntries((await catalog.listActivities(t)).map((a) => [a.sampleKey, String(a._id)]));
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  const jordan = await h.launchAs(h.canvas, 'teacher2');
  await h.launchAs(h.canvas, 'teacher3');
  coach = await h.launchAs(h.canvas, 'coach');
  moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  for (const [key, name] of [['maya', 'Maya Patel'], ['jordan', 'Jordan Lee'], ['chris', 'Chris Okafor'], ['sam', 'Sam Rivera']] as const) {
    people[key] = (await h.db().collection('users').findOne({ tenantId: t, name }))!._id;
  }
  const lincoln = idFrom((await staff.post('/groups', { name: 'Lincoln Elementary', kind: 'school' })).headers.location, 'groups');
  const roosevelt = idFrom((await staff.post('/groups', { name: 'Roosevelt Middle', kind: 'school' })).headers.location, 'groups');
  await staff.post(`/groups/${lincoln}/members`, { userIds: [String(people.maya), String(people.jordan)] });
  await staff.post(`/groups/${roosevelt}/members`, { userIds: [String(people.chris), String(people.sam)] });

  const starter = idFrom((await staff.post('/pathways', pathwayFields('Assessment Starter', [act['ml-wait-time']!, act['ml-learning-goals']!, act['hinge-questions']!], { competencies: ['ASMT1'] }))).headers.location, 'pathways');
  await staff.post(`/pathways/${starter}/publish`);
  starterId = starter;
  await staff.post(`/pathways/${starter}/assign/people`, { userIds: [people.maya, people.jordan, people.chris].map(String), dueAt: '2031-06-30' });
  const wellbeing = idFrom((await staff.post('/pathways', pathwayFields('Wellbeing Basics', [act['ml-boundaries']!], { selfEnrol: true, competencies: ['GROW2'] }))).headers.location, 'pathways');
  await staff.post(`/pathways/${wellbeing}/publish`);
  await jordan.post(`/pathways/${wellbeing}/enrol`);

  const enrolments = h.db().collection('enrolments');
  await enrolments.updateOne({ tenantId: t, userId: people.maya, slug: 'assessment-starter' }, { $set: { enrolledAt: new Date(Date.now() - 10 * DAY) } });
  await enrolments.updateOne({ tenantId: t, userId: people.chris, slug: 'assessment-starter' }, { $set: { dueAt: new Date(Date.now() - 3 * DAY) } });
  const done = (userId: Types.ObjectId, key: string, source: plans.CompletionSource) => plans.applyActivityCompletion(t, { userId, activityId: new Types.ObjectId(act[key]!), completedAt: new Date(), source });
  await done(people.maya, 'ml-wait-time', 'lms');
  await done(people.maya, 'ml-learning-goals', 'lms');
  await done(people.maya, 'hinge-questions', 'manual');
  await done(people.jordan, 'ml-wait-time', 'csv');

  const jordanPlan = (await plans.currentPlan(t, people.jordan))!;
  const byJordan = { userId: people.jordan, name: 'Jordan Lee' };
  const nextYear = new Date(Date.now() + 365 * DAY).toISOString().slice(0, 10);
  const ownGoal = await plans.addGoal(t, jordanPlan._id, { statement: 'Plan units backward from the final task', competency: 'PLAN1', targetLevel: '3', measure: 'Two units reviewed by a peer', targetDate: nextYear }, byJordan);
  await plans.addCustomActivity(t, jordanPlan._id, ownGoal._id, { title: 'Summer leadership institute', hours: '2', cost: '4000' }, byJordan);
  await h.db().collection('plans').updateOne({ _id: jordanPlan._id }, { $set: { status: 'submitted', submittedAt: new Date() } });
  const chrisPlan = (await plans.currentPlan(t, people.chris))!;
  const start = new Date(Date.now() - 395 * DAY);
  await h.db().collection('plans').updateOne({ _id: chrisPlan._id }, { $set: { status: 'active', periodStart: start, periodEnd: new Date(start.getTime() + 730 * DAY) } });

  const fw = await frameworks.activeFramework(t);
  const assessment = (userId: Types.ObjectId, level: number, daysAgo: number) => ({ tenantId: t, userId, frameworkId: new Types.ObjectId(fw.id), ratings: [{ competency: 'ASMT1', level }], interests: [], hoursPerMonth: 4, takenAt: new Date(Date.now() - daysAgo * DAY) });
  await h.db().collection('assessments').insertMany([assessment(people.maya, 1, 60), assessment(people.jordan, 2, 50), assessment(people.jordan, 3, 5), assessment(people.chris, 2, 40)]);
  const mayaPlan = (await plans.currentPlan(t, people.maya))!;
  await h.db().collection('plans').updateOne(
    { _id: mayaPlan._id },
    {
      $push: {
        reviews: { _id: new Types.ObjectId(), kind: 'annual', goals: [{ goalId: mayaPlan.goals[0]!._id, competency: 'ASMT1', reflection: PRIVATE_REFLECTION, selfLevel: 3 }], summary: PRIVATE_REFLECTION, completedAt: new Date(Date.now() - 5 * DAY) },
        'goals.0.reflections': { _id: new Types.ObjectId(), learned: PRIVATE_REFLECTION, practice: 'More wait time', shared: false, at: new Date() },
      },
    } as never,
  );
});
afterAll(() => h.close());

/** The text of one report's table rows, e.g. "Assessment Starter 3 1 1 1 1 33%". */
function tableRows(html: string, key: string): string[] {
  const section = html.match(new RegExp(`<section class="card report" id="${key}"[\\s\\S]*?</section>`))![0];
  return [...section.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].filter((m) => !m[1]!.includes('scope="col"')).map((m) => pageText(m[1]!).trim());
}

describe('PD staff reports', () => {
  let html: string;
  beforeAll(async () => {
    const res = await staff.get('/reports');
    expect(res.status).toBe(200);
    html = res.text;
  });

  test('headline numbers and every report match the seeded district', async () => {
    const text = pageText(html);
    for (const headline of ['Teachers with a current plan 3', 'Pathway enrolments 4', 'Pathways completed 1 (25%)', 'Hours completed 6', 'Planned spend per year $2,000.00', 'Plans over a cap 1', 'Reviews overdue 1']) expect(text).toContain(headline);
    const participation = tableRows(html, 'participation');
    expect(participation).toContain('Assessment Starter 3 1 1 1 1 33%');
    expect(participation).toContain('Wellbeing Basics 1 0 0 1 0 0%');
    const schools = tableRows(html, 'schools');
    expect(schools).toContain('Lincoln Elementary school 2 3 1 6.5 $2,000.00 6 1');
    expect(schools).toContainEqual(expect.stringMatching(/^Roosevelt Middle school 2 1 0 2\.[56] \$0\.00 0 0$/));
    expect(tableRows(html, 'competencies')).toEqual(expect.arrayContaining(['ASMT1 Formative assessment 3 3 1 3', 'GROW2 Wellbeing and sustainable workload 1 1 0 1', 'PLAN1 Unit and lesson design 1 1 0 0']));
    const caps = tableRows(html, 'caps');
    expect(caps[0]).toBe('Jordan Lee Lincoln Elementary submitted 4 $2,000.00 1 yes no yes');
    expect(tableRows(html, 'reviews')).toEqual([expect.stringMatching(/^Chris Okafor Roosevelt Middle Annual [A-Z][a-z]{2} \d{1,2}, \d{4} 30$/)]);
    expect(tableRows(html, 'time')).toEqual(['Assessment Starter 1 10 10 10 10']);
    expect(tableRows(html, 'growth')).toEqual(['ASMT1 Formative assessment 2 1.5 3 +1.5']);
    const activities = tableRows(html, 'activities');
    expect(activities[0]).toBe('Wait Time and No-Hands-Up Questioning 2 3');
    expect(activities).toContain('Writing Learning Goals Students Can Restate 1 3');
    expect(tableRows(html, 'sources')).toEqual(['LMS sync 2 2', 'CSV import 1 1', 'Marked done by the teacher 1 3']);
  });

  test('charts are drawn from escaped JSON by the served chart library; each has a table; reflections never appear', async () => {
    const attribute = html.match(/<div id="report-charts" data-charts="([^"]*)" hidden>/)![1]!;
    const charts = JSON.parse(attribute.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    expect(charts.map((c: { id: string }) => c.id)).toEqual(['chart-participation', 'chart-schools', 'chart-competencies', 'chart-caps', 'chart-reviews', 'chart-time', 'chart-growth', 'chart-activities', 'chart-sources']);
    expect(charts[0]).toMatchObject({ type: 'bar', labels: ['Assessment Starter', 'Wellbeing Basics'], datasets: [{ label: 'Completed', data: [1, 0] }, { label: 'In progress', data: [1, 0] }, { label: 'Not started', data: [1, 1] }] });
    expect(html).toContain('<script src="/public/vendor/chart.umd.js" defer></script>');
    expect(html).not.toMatch(/<script>(?!<)/);
    expect(html).not.toContain(PRIVATE_REFLECTION);
    expect((await staff.get('/public/vendor/chart.umd.js')).status).toBe(200);
    const csv = await staff.get('/reports/caps.csv');
    expect(csv.text).not.toContain(PRIVATE_REFLECTION);
  });

  test('filters: a school, a pathway, a period; a bad filter is explained and the page stays unfiltered', async () => {
    const roosevelt = await h.db().collection('groups').findOne({ tenantId: h.canvas.tenantId, name: 'Roosevelt Middle' });
    const bySchool = await staff.get(`/reports?group=${roosevelt!._id}`);
    expect(tableRows(bySchool.text, 'participation')).toEqual(['Assessment Starter 1 0 0 1 1 0%']);
    expect(tableRows(bySchool.text, 'schools')).toEqual([expect.stringMatching(/^Roosevelt Middle school 2 1 0 2\.[56] \$0\.00 0 0$/)]);
    const byPathway = await staff.get('/reports?pathway=wellbeing-basics');
    expect(tableRows(byPathway.text, 'participation')).toEqual(['Wellbeing Basics 1 0 0 1 0 0%']);
    expect((tableRows(byPathway.text, 'caps'))).toHaveLength(1);
    const tomorrow = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    const later = pageText((await staff.get(`/reports?from=${tomorrow}`)).text);
    expect(later).toContain('Nobody joined a pathway in this period.');
    expect(later).toContain('No activity was completed in this period.');
    const bad = await staff.get('/reports?from=2030-13-45&to=2020-01-01&group=nope');
    expect(bad.status).toBe(400);
    expect(pageText(bad.text)).toContain('Some filters are not valid');
    expect(pageText(bad.text)).toContain('There is no such date');
    expect(pageText(bad.text)).toContain('The end date is before the start date');
    expect(pageText(bad.text)).toContain('Choose a group from the list');
  });

  test('each report downloads as CSV with the filters applied', async () => {
    const res = await staff.get('/reports/participation.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="pd-participation-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(res.text).toBe('Pathway,Enrolled,Completed,In progress,Not started,Overdue,Completion rate\nAssessment Starter,3,1,1,1,1,33%\nWellbeing Basics,1,0,0,1,0,0%\n');
    const caps = await staff.get('/reports/caps.csv');
    expect(caps.text.split('\n')[1]).toBe('Jordan Lee,Lincoln Elementary,submitted,4,2000,1,yes,no,yes');
    const filtered = await staff.get('/reports/participation.csv?pathway=wellbeing-basics');
    expect(filtered.text.trim().split('\n')).toHaveLength(2);
    expect((await staff.get('/reports/nonsense.csv')).status).toBe(400);
  });

  test('the PD staff console shows the headline numbers, approvals waiting and pathway drafts', async () => {
    const home = pageText((await staff.get('/staff')).text);
    expect(home).toContain('District at a glance');
    expect(home).toContain('Pathway enrolments 4');
    expect(home).toContain('1 plan waiting for approval , 1 over a cap');
    expect(home).toContain('2 published · 0 drafts · 4 people enrolled');
  });

  test('the completion sync panel shows each source and the unmapped courses', async () => {
    const sync = pageText(html.match(/<section class="card report" id="sync"[\s\S]*?<\/section>/)![0]);
    expect(sync).toContain('Canvas Live Events');
    expect(sync).toContain('Course mappings 0');
    expect(sync).toContain('Every course with completions is mapped');
  });

  test('only PD staff of the district read reports', async () => {
    expect((await teacher.get('/reports')).status).toBe(403);
    expect((await teacher.get('/reports/participation.csv')).status).toBe(403);
    expect((await coach.get('/reports')).status).toBe(403);
    const other = pageText((await moodleStaff.get('/reports')).text);
    expect(other).toContain('Nobody joined a pathway in this period.');
    expect(other).not.toContain('Assessment Starter');
    expect((await moodleStaff.get('/reports/caps.csv')).text).not.toContain('Jordan');
  });
});

describe('approvals across the district', () => {
  test('PD staff filter by school, status and over-cap', async () => {
    const waiting = pageText((await staff.get('/reports/approvals')).text);
    expect(waiting).toContain('Jordan Lee');
    expect(waiting).toContain('over the cost cap of $1,500.00 a year by $500.00');
    const lincoln = await h.db().collection('groups').findOne({ tenantId: h.canvas.tenantId, name: 'Lincoln Elementary' });
    const roosevelt = await h.db().collection('groups').findOne({ tenantId: h.canvas.tenantId, name: 'Roosevelt Middle' });
    expect(pageText((await staff.get(`/reports/approvals?group=${roosevelt!._id}`)).text)).toContain('No plan matches these filters.');
    expect(pageText((await staff.get(`/reports/approvals?group=${lincoln!._id}&overCap=on`)).text)).toContain('Jordan Lee');
    const running = pageText((await staff.get('/reports/approvals?status=active')).text);
    expect(running).toContain('Chris Okafor');
    expect(running).not.toContain('Jordan Lee');
    expect((await staff.get('/reports/approvals?status=gone')).status).toBe(400);
  });

  test('a granted approver sees only the schools they belong to; teachers not at all', async () => {
    expect((await teacher.get('/reports/approvals')).status).toBe(403);
    await staff.post(`/people/${people.sam}/grants`, { grants: ['approver'] });
    const approver = await h.launchAs(h.canvas, 'coach');
    const mine = pageText((await approver.get('/reports/approvals?status=active')).text);
    expect(mine).toContain('Plans of the schools and groups you belong to');
    expect(mine).toContain('Chris Okafor');
    expect(pageText((await approver.get('/reports/approvals')).text)).not.toContain('Jordan Lee');
    expect((await approver.get('/reports')).status).toBe(403);
    // The same scope holds on the plans themselves: Jordan's school is not the approver's.
    const jordanPlan = (await plans.currentPlan(h.canvas.tenantId, people.jordan))!;
    expect((await approver.get(`/plans/${jordanPlan._id}`)).status).toBe(403);
    const chrisPlan = (await plans.currentPlan(h.canvas.tenantId, people.chris))!;
    expect((await approver.get(`/plans/${chrisPlan._id}`)).status).toBe(200);
  });
});

describe('people assigned before their first launch', () => {
  test('are counted apart from teachers with a plan, and marked in the caps report', async () => {
    const t = h.canvas.tenantId;
    const before = pageText((await staff.get('/reports')).text);
    const withPlans = Number(before.match(/Teachers with a current plan (\d+)/)![1]);
    const newcomers = await Promise.all([1, 2, 3, 4, 5].map((i) => users.ensurePerson(t, { name: `Newcomer ${i}`, email: `newcomer${i}@lincoln.example` })));
    expect((await staff.post(`/pathways/${starterId}/assign/people`, { userIds: newcomers.map((u) => String(u._id)) })).status).toBe(303);
    const after = pageText((await staff.get('/reports')).text);
    expect(after).toContain(`Teachers with a current plan ${withPlans}`);
    expect(after).toContain('Assigned, not launched yet 5');
    expect(pageText((await staff.get('/staff')).text)).toContain('Assigned, not launched yet 5');
    expect((await staff.get('/reports/caps.csv')).text).toContain('Newcomer 1,,not launched yet');
  });
});

describe('report figures after a plan changes', () => {
  const cells = async (name: string) => (await staff.get('/reports/caps.csv')).text.split('\n').find((line) => line.startsWith(`${name},`))!.split(',');
  const hoursCompleted = async () => Number(pageText((await staff.get('/reports')).text).match(/Hours completed ([\d.]+)/)![1]);
  test('a new activity and a new completion show on the next view (sums are kept per plan revision, never stale)', async () => {
    const t = h.canvas.tenantId;
    const robin = await users.ensurePerson(t, { name: 'Robin Fresh', email: 'robin@lincoln.example' });
    const draft = await plans.ensureDraftPlan(t, robin._id);
    const byRobin = { userId: robin._id, name: 'Robin Fresh' };
    const goal = await plans.addGoal(t, draft._id, { statement: 'Use hinge questions weekly', competency: 'ASMT1', targetLevel: '3', measure: 'Ten lessons logged', targetDate: new Date(Date.now() + 300 * DAY).toISOString().slice(0, 10) }, byRobin);
    const [before, doneBefore] = [Number((await cells('Robin Fresh'))[3]), await hoursCompleted()];
    await plans.addCustomActivity(t, draft._id, goal._id, { title: 'Peer observation cycle', hours: '12', cost: '0' }, byRobin);
    expect(Number((await cells('Robin Fresh'))[3])).toBeGreaterThan(before);

    const chris = (await plans.currentPlan(t, people.chris))!;
    const step = chris.goals[0]!.activities[0]!;
    const chrisDone = Number((await cells('Chris Okafor'))[5]);
    await plans.setActivityProgress(t, chris._id, chris.goals[0]!._id, step._id, { status: 'done' }, { userId: people.chris, name: 'Chris Okafor' });
    expect(Number((await cells('Chris Okafor'))[5])).toBe(chrisDone + step.hours);
    expect(await hoursCompleted()).toBe(doneBefore + step.hours);

    const pathwaysCompleted = async () => Number(pageText((await staff.get('/reports')).text).match(/Pathways completed (\d+)/)![1]);
    const completedBefore = await pathwaysCompleted();
    const byChris = { userId: people.chris, name: 'Chris Okafor' };
    for (const rest of chris.goals[0]!.activities.slice(1)) await plans.setActivityProgress(t, chris._id, chris.goals[0]!._id, rest._id, { status: 'done' }, byChris);
    expect(await pathwaysCompleted()).toBe(completedBefore); // the district asks for a reflection first
    await plans.addReflection(t, chris._id, chris.goals[0]!._id, { learned: 'Wait time changes who answers', practice: 'Count to five' }, byChris);
    expect(await pathwaysCompleted()).toBe(completedBefore + 1);
  });
});
