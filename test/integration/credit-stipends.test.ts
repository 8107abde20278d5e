import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as credit from '../../src/credit/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

let h: Harness;
let staff: Session;
let teacher: Session;
const tenantId = () => h.canvas.tenantId;
const person = async (p: 'teacher' | 'teacher2', platform = h.canvas) => (await users.findBySub(platform.tenantId, platform.users[p].sub))!;
const march = '?from=2025-03-01&to=2025-03-31';
const at = (iso: string) => new Date(iso);
let institute: catalog.ActivityDoc;
let mentoring: catalog.ActivityDoc;

async function activity(tenant: Types.ObjectId, title: string, by: { userId: Types.ObjectId; name: string }) {
  const [sample] = await catalog.listActivities(tenant);
  const input = await catalog.validateActivity(tenant, { kind: 'workshop', title, provider: 'District PD office', competencies: sample!.competencies, hours: '6', cost: '0', mode: 'online', timing: 'async', selfPaced: 'on' });
  return catalog.createActivity(tenant, input, by);
}

const complete = (tenant: Types.ObjectId, userId: Types.ObjectId, activityId: Types.ObjectId, completedAt: Date) => plans.applyActivityCompletion(tenant, { userId, activityId, completedAt, source: 'lms' });
const paymentIds = async (userId: Types.ObjectId) => new Map((await credit.creditRecordsOf(tenantId(), userId)).map((r) => [r.title, String(r._id)]));

beforeAll(async () => {
  h = await startHarness();
  await sampleCatalog(tenantId(), []);
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  await h.launchAs(h.canvas, 'teacher2');
  const by = { userId: (await person('teacher'))._id, name: 'PD office' };
  institute = await activity(tenantId(), 'Summer literacy institute', by);
  mentoring = await activity(tenantId(), 'Mentor training', by);
  const unpaid = await activity(tenantId(), 'Coaching for equity', by);
  expect((await staff.post(`/credit/activities/${institute._id}`, { stipend: '150' })).status).toBe(303);
  expect((await staff.post(`/credit/activities/${mentoring._id}`, { stipend: '75.50' })).status).toBe(303);

  const maya = await person('teacher');
  await planWith(tenantId(), { userId: maya._id, name: maya.name }, [institute, mentoring, unpaid]);
  await complete(tenantId(), maya._id, institute._id, at('2025-03-01T00:00:00Z'));
  await complete(tenantId(), maya._id, mentoring._id, at('2025-03-31T23:59:59Z'));
  await complete(tenantId(), maya._id, unpaid._id, at('2025-03-10T12:00:00Z'));

  // Jordan's plan holds the institute in two goals: one completion, paid once.
  const jordan = await person('teacher2');
  const { planId } = await planWith(tenantId(), { userId: jordan._id, name: jordan.name }, [institute, mentoring]);
  const second = await plans.addGoal(tenantId(), planId, { statement: 'Lead a literacy routine with my grade team', competency: institute.competencies[0], targetLevel: '3', measure: 'Routine used weekly', targetDate: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10) }, { userId: jordan._id, name: jordan.name });
  await plans.addCatalogActivity(tenantId(), planId, second._id, { activityId: String(institute._id) }, { userId: jordan._id, name: jordan.name });
  await complete(tenantId(), jordan._id, mentoring._id, at('2025-03-15T09:00:00Z'));
  expect((await complete(tenantId(), jordan._id, institute._id, at('2025-04-01T00:00:00Z'))).applied).toHaveLength(2);
  expect((await complete(tenantId(), jordan._id, institute._id, at('2025-04-01T00:00:00Z'))).alreadyDone).toBe(2);

  // Another district pays a stipend in the same month.
  await sampleCatalog(h.moodle.tenantId, []);
  await h.launchAs(h.moodle, 'teacher');
  const other = await person('teacher', h.moodle);
  const foreign = await activity(h.moodle.tenantId, 'Riverside robotics camp', { userId: other._id, name: 'PD office' });
  await credit.setActivityCredit(h.moodle.tenantId, foreign._id, { stipend: '999' }, { userId: other._id, name: 'PD office' });
  await planWith(h.moodle.tenantId, { userId: other._id, name: other.name }, [foreign]);
  await complete(h.moodle.tenantId, other._id, foreign._id, at('2025-03-20T10:00:00Z'));
}, 120_000);
afterAll(() => h.close());

test('PD staff see each teacher’s stipends in the period, the first and last day included, with totals per teacher and overall', async () => {
  const res = await staff.get(`/credit/stipends${march}`);
  expect(res.status).toBe(200);
  const text = pageText(res.text);
  expect(text).toContain('$301.00 in 3 stipends to 2 teachers.');
  expect(text).toMatch(/Jordan Lee jordan\.lee@district\.example LMS id 102 Mentor training .*Mar 15, 2025.* \$75\.50 Total for Jordan Lee \$75\.50/);
  expect(text).toMatch(/Maya Patel maya\.patel@district\.example LMS id 101 Summer literacy institute .*Mar 1, 2025.* \$150\.00 Mentor training .*Mar 31, 2025.* \$75\.50 Total for Maya Patel \$225\.50/);
  expect(text).toContain('Total for the period $301.00');
  expect(text).not.toContain('Coaching for equity');
  expect(text).not.toContain('Riverside robotics camp');
  expect(res.text).toContain('value="2025-03-01"');
  expect(res.text).toContain('value="2025-03-31"');
});

test('the CSV for payroll has one row per stipend with fixed columns, and a completion in two goals is paid once', async () => {
  const res = await staff.get(`/credit/stipends.csv${march}`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  expect(res.headers['content-disposition']).toBe('attachment; filename="stipends-2025-03-01-to-2025-03-31.csv"');
  expect(res.headers['cache-control']).toBe('no-store');
  const [maya, jordan] = [await paymentIds((await person('teacher'))._id), await paymentIds((await person('teacher2'))._id)];
  expect(res.text.trim().split('\n')).toEqual([
    'payment_id,teacher,email,lms_id,sis_id,activity,activity_id,completed_on,amount',
    `${jordan.get('Mentor training')},Jordan Lee,jordan.lee@district.example,102,SIS-102,Mentor training,${mentoring._id},2025-03-15,75.50`,
    `${maya.get('Summer literacy institute')},Maya Patel,maya.patel@district.example,101,SIS-101,Summer literacy institute,${institute._id},2025-03-01,150.00`,
    `${maya.get('Mentor training')},Maya Patel,maya.patel@district.example,101,SIS-101,Mentor training,${mentoring._id},2025-03-31,75.50`,
  ]);
  const april = (await staff.get('/credit/stipends.csv?from=2025-04-01&to=2025-04-30')).text.trim().split('\n');
  expect(april).toHaveLength(2);
  expect(april[1]).toContain('Jordan Lee,jordan.lee@district.example,102,SIS-102,Summer literacy institute');
});

test('a stipend changed later does not change what a past completion earned', async () => {
  expect((await staff.post(`/credit/activities/${institute._id}`, { stipend: '500' })).status).toBe(303);
  const text = pageText((await staff.get(`/credit/stipends${march}`)).text);
  expect(text).toContain('Summer literacy institute');
  expect(text).toContain('$301.00 in 3 stipends');
  expect(text).not.toContain('$500.00');
});

test('without a period the page shows this calendar month', async () => {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
  const res = await staff.get('/credit/stipends');
  expect(res.status).toBe(200);
  expect(res.text).toContain(`id="from" name="from" type="date" value="${first}"`);
  expect(res.text).toContain(`id="to" name="to" type="date" value="${last}"`);
  expect(pageText(res.text)).toContain('Nobody earned a stipend in this period.');
  expect(res.text).not.toContain('Download CSV');
});

test.each([
  ['a reversed period', '?from=2025-03-31&to=2025-03-01', 'The last day is before the first day', ['2025-03-31', '2025-03-01']],
  ['a day that does not exist', '?from=2025-02-30&to=2025-03-31', 'There is no such date', ['2025-02-30', '2025-03-31']],
  ['a date not as YYYY-MM-DD', '?from=March&to=2025-03-31', 'Enter the date as YYYY-MM-DD', ['March', '2025-03-31']],
  ['a missing last day', '?from=2025-03-01&to=', 'Enter the last day', ['2025-03-01', '']],
])('%s is refused with a clear error, keeps what was typed and shows no report', async (_what, query, error, typed) => {
  const before = await credit.stipendsIn(tenantId(), { from: '2025-01-01', to: '2025-12-31' });
  const res = await staff.get(`/credit/stipends${query}`);
  expect(res.status).toBe(400);
  const text = pageText(res.text);
  expect(text).toContain('Check the period; no report was made for it.');
  expect(text).toContain(error);
  expect(res.text).toContain(`id="from" name="from" type="date" value="${typed[0]}"`);
  expect(res.text).toContain(`id="to" name="to" type="date" value="${typed[1]}"`);
  expect(res.text).toMatch(/aria-invalid="true"/);
  expect(text).not.toContain('Maya Patel maya.patel');
  const csv = await staff.get(`/credit/stipends.csv${query}`);
  expect(csv.status).toBe(400);
  expect(csv.headers['content-type']).not.toMatch(/csv/);
  expect(await credit.stipendsIn(tenantId(), { from: '2025-01-01', to: '2025-12-31' })).toEqual(before);
});

test('a teacher gets 403 for the page and the CSV, and sees no link to them', async () => {
  for (const path of [`/credit/stipends${march}`, `/credit/stipends.csv${march}`]) {
    const res = await teacher.get(path);
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('Maya Patel,');
    expect(res.text).not.toContain('$301.00');
  }
  expect((await teacher.get('/notifications')).text).not.toContain('/credit/stipends');
  expect((await staff.get('/notifications')).text).toContain('/credit/stipends');
});

test('another district’s PD staff see only their own district’s stipends', async () => {
  const other = await h.launchAs(h.moodle, 'pdlead');
  const text = pageText((await other.get(`/credit/stipends${march}`)).text);
  expect(text).toContain('$999.00 in 1 stipend to 1 teacher.');
  expect(text).toContain('Riverside robotics camp');
  expect(text).not.toContain('Summer literacy institute');
  const csv = (await other.get(`/credit/stipends.csv${march}`)).text;
  expect(csv.trim().split('\n')).toHaveLength(2);
  expect(csv).toContain('Riverside robotics camp');
  expect(csv).not.toContain('Mentor training');
  expect(csv).not.toContain('Jordan');
});

test('names and titles a spreadsheet would run as formulas are written as text', async () => {
  const eve = await users.ensurePerson(tenantId(), { name: '=HYPERLINK("http://evil.example","pay")', email: 'eve@district.example' });
  await credit.recordCompletion(tenantId(), { userId: eve._id, key: `test:${eve._id}`, title: '+SUM(A1:A9)', hours: 1, completedAt: at('2025-05-02T10:00:00Z'), source: 'csv', stipend: 10 });
  const csv = (await staff.get('/credit/stipends.csv?from=2025-05-01&to=2025-05-31')).text.trim().split('\n');
  expect(csv[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""pay"")",eve@district.example,,,'+SUM(A1:A9),,2025-05-02,10.00`);
});
