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
let activities: catalog.ActivityDoc[];
const tenantId = () => h.canvas.tenantId;
const userOf = async (p: 'teacher' | 'teacher2') => (await users.findBySub(tenantId(), h.canvas.users[p].sub))!;
/** Follows a 303 (its location carries the ltik already). */
const follow = (s: Session, res: { headers: Record<string, string> }) => s.launch.agent.get(res.headers.location!);
const DAY = 86_400_000;
/** A calendar day this many days before today, so pace and cycles read the same whenever the suite runs. */
const daysAgo = (n: number) => new Date(Math.floor(Date.now() / DAY) * DAY - n * DAY);
const isoDaysAgo = (n: number) => daysAgo(n).toISOString().slice(0, 10);
const typesCount = async () => (await credit.creditKinds(tenantId())).length;

beforeAll(async () => {
  h = await startHarness();
  const [sample] = await sampleCatalog(tenantId(), []);
  activities = [];
  for (const [title, hours] of [['Summer literacy institute', 30], ['University course: reading science', 45]] as const) {
    const input = await catalog.validateActivity(tenantId(), { kind: 'workshop', title, provider: 'District PD office', competencies: sample!.competencies, hours: String(hours), cost: '0', mode: 'online', timing: 'async', selfPaced: 'on' });
    activities.push(await catalog.createActivity(tenantId(), input, { userId: sample!._id, name: 'PD office' }));
  }
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  await h.launchAs(h.canvas, 'teacher2');
}, 120_000);
afterAll(() => h.close());

describe('credit types and what activities award', () => {
  test('PD staff add CEUs at 10 clock hours each; the settings page lists the conversion', async () => {
    const res = await staff.post('/credit/types', { name: 'CEUs', clockHoursPerUnit: '10' });
    expect(res.status).toBe(303);
    const page = pageText((await follow(staff, res)).text);
    expect(page).toContain('Added the credit type CEUs.');
    expect(page).toMatch(/CEUs\s+10 clock hours = 1/);
    expect((await staff.post('/credit/types', { name: 'Graduate credit', clockHoursPerUnit: '15' })).status).toBe(303);
  });

  test('a conversion of 0, or a second type of the same name, is refused with the form kept and nothing added', async () => {
    const before = await typesCount();
    const zero = await staff.post('/credit/types', { name: 'Renewal points', clockHoursPerUnit: '0' });
    expect(zero.status).toBe(400);
    expect(pageText(zero.text)).toContain('One unit is more than 0 clock hours');
    expect(zero.text).toContain('value="Renewal points"');
    const twice = await staff.post('/credit/types', { name: 'ceus', clockHoursPerUnit: '12' });
    expect(twice.status).toBe(409);
    expect(pageText(twice.text)).toContain('exists already');
    expect(await typesCount()).toBe(before);
  });

  test('teachers cannot add credit types or change what an activity awards', async () => {
    const before = await typesCount();
    expect((await teacher.post('/credit/types', { name: 'Free points', clockHoursPerUnit: '1' })).status).toBe(403);
    expect((await teacher.post(`/credit/activities/${activities[0]!._id}`, { award_ceus: 'on' })).status).toBe(403);
    expect(await typesCount()).toBe(before);
    expect((await credit.activityCredit(tenantId(), [activities[0]!._id])).size).toBe(0);
  });

  test('PD staff set one activity to award converted CEUs and a stipend, another a fixed 3 graduate credits', async () => {
    const form = await staff.get(`/credit/activities/${activities[0]!._id}`);
    expect(pageText(form.text)).toContain('Empty: 3 from the hours');
    expect((await staff.post(`/credit/activities/${activities[0]!._id}`, { award_ceus: 'on', amount_ceus: '', stipend: '150' })).status).toBe(303);
    const res = await staff.post(`/credit/activities/${activities[1]!._id}`, { award_ceus: 'on', award_graduate_credit: 'on', 'amount_graduate-credit': '3', 'award_graduate-credit': 'on' });
    expect(res.status).toBe(303);
    const page = pageText((await staff.get('/credit/settings')).text);
    expect(page).toContain('Summer literacy institute 30 Clock hours, 3 CEUs $150.00');
    expect(page).toContain('University course: reading science 45 Clock hours, 4.5 CEUs, 3 Graduate credit');
  });

  test('a negative stipend is refused and the form keeps what was typed', async () => {
    const res = await staff.post(`/credit/activities/${activities[0]!._id}`, { award_ceus: 'on', stipend: '-5' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="-5"');
    expect((await credit.activityCredit(tenantId(), [activities[0]!._id])).get(String(activities[0]!._id))!.stipend).toBe(150);
  });
});

describe('completions earn credit once, whatever records them', () => {
  test('an LMS completion and a repeated one record the activity’s credit once', async () => {
    const me = await userOf('teacher');
    await planWith(tenantId(), { userId: me._id, name: me.name }, activities);
    const completedAt = daysAgo(60);
    for (let i = 0; i < 2; i++) await plans.applyActivityCompletion(tenantId(), { userId: me._id, activityId: activities[0]!._id, completedAt, source: 'lms' });
    await plans.applyActivityCompletion(tenantId(), { userId: me._id, activityId: activities[1]!._id, completedAt: daysAgo(30), source: 'csv' });
    const records = await credit.creditRecordsOf(tenantId(), me._id);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ title: 'Summer literacy institute', provider: 'District PD office', source: 'lms', stipend: 150 });
    expect(records[0]!.awards.map((a) => [a.typeKey, a.amount])).toEqual([['clock-hours', 30], ['ceus', 3]]);
    expect(records[1]!.awards.map((a) => [a.typeKey, a.amount])).toEqual([['clock-hours', 45], ['ceus', 4.5], ['graduate-credit', 3]]);
  });
});

describe('renewal cycles', () => {
  test('a rule whose minimum has no amount is refused, the typed values kept, nothing saved', async () => {
    const res = await staff.post('/credit/rules', { name: 'CTLE registration', required: '175', creditType: 'clock-hours', years: '5', minCategory_0: 'workshop', minAmount_0: '' });
    expect(res.status).toBe(400);
    expect(pageText(res.text)).toContain('Enter how much is needed in this category');
    expect(res.text).toContain('value="CTLE registration"');
    expect(await credit.renewalRules(tenantId())).toHaveLength(0);
  });

  test('PD staff define 175 clock hours per 5 years with at least 20 in workshops', async () => {
    const res = await staff.post('/credit/rules', { name: 'CTLE registration', required: '175', creditType: 'clock-hours', years: '5', minCategory_0: 'workshop', minAmount_0: '20' });
    expect(res.status).toBe(303);
    expect(pageText((await staff.get('/credit/settings')).text)).toContain('CTLE registration : 175 Clock hours every 5 years; at least 20 in workshop');
  });

  test('PD staff set the teacher’s cycle start; the teacher’s home shows progress to the renewal', async () => {
    const [rule] = await credit.renewalRules(tenantId());
    const res = await staff.post('/credit/renewals/cycles', { email: 'maya.patel@district.example', ruleId: String(rule!._id), startsOn: isoDaysAgo(365) });
    expect(res.status).toBe(303);
    expect(pageText((await follow(staff, res)).text)).toContain('Set Maya Patel’s renewal cycle.');
    const home = pageText((await teacher.get('/dashboard')).text);
    expect(home).toContain('Licence renewal: CTLE registration');
    expect(home).toContain('75 of 175 Clock hours; 100 Clock hours to go, due');
    expect(home).toContain('75 of 20 Clock hours in workshop — met');
  });

  test('an unknown email or a nonsense date is refused and changes nothing', async () => {
    const [rule] = await credit.renewalRules(tenantId());
    const nobody = await staff.post('/credit/renewals/cycles', { email: 'nobody@else.example', ruleId: String(rule!._id), startsOn: '2024-09-01' });
    expect(nobody.status).toBe(400);
    expect(nobody.text).toContain('value="nobody@else.example"');
    const bad = await staff.post('/credit/renewals/cycles', { email: 'maya.patel@district.example', ruleId: String(rule!._id), startsOn: '2024-02-31x' });
    expect(bad.status).toBe(400);
    // A day that does not exist is refused, not rolled into March.
    const noSuchDay = await staff.post('/credit/renewals/cycles', { email: 'maya.patel@district.example', ruleId: String(rule!._id), startsOn: '2025-02-29' });
    expect(noSuchDay.status).toBe(400);
    expect(pageText(noSuchDay.text)).toContain('There is no such date');
    expect((await credit.cycleOf(tenantId(), (await userOf('teacher'))._id))!.startsOn).toEqual(daysAgo(365));
  });

  test('a CSV with one bad row imports nothing; a good one sets cycles, for people not launched yet too', async () => {
    const upload = (csv: string) => staff.launch.agent.post(`/credit/renewals/import?ltik=${staff.ltik}`).field('_csrf', staff.csrf).attach('file', Buffer.from(csv), 'cycles.csv');
    const bad = await upload(`email,cycle_start\njordan.lee@district.example,${isoDaysAgo(4 * 365)}\nnew.teacher@district.example,someday\n`);
    expect(bad.status).toBe(400);
    expect(pageText(bad.text)).toContain('“someday” is not a date as YYYY-MM-DD');
    expect(await credit.cycleOf(tenantId(), (await userOf('teacher2'))._id)).toBeNull();
    const good = await upload(`email,cycle_start\njordan.lee@district.example,${isoDaysAgo(4 * 365)}\nnew.teacher@district.example,${isoDaysAgo(2 * 365)}\n`);
    expect(good.status).toBe(303);
    expect(pageText((await follow(staff, good)).text)).toContain('Imported 2 renewal cycles (1 for people who have not launched PD Pathways yet).');
  });

  test('PD staff see who is behind first', async () => {
    const page = pageText((await staff.get('/credit/renewals')).text);
    expect(page).toContain('2 of 3 with a renewal cycle are behind an even pace.');
    const jordan = page.indexOf('Jordan Lee');
    const maya = page.indexOf('Maya Patel');
    expect(jordan).toBeGreaterThan(-1);
    expect(jordan).toBeLessThan(maya);
  });

  test('teachers cannot see renewals or set cycles, and another district’s staff see none of these people', async () => {
    expect((await teacher.get('/credit/renewals')).status).toBe(403);
    const [rule] = await credit.renewalRules(tenantId());
    expect((await teacher.post('/credit/renewals/cycles', { email: 'jordan.lee@district.example', ruleId: String(rule!._id), startsOn: '2020-01-01' })).status).toBe(403);
    const other = await h.launchAs(h.moodle, 'pdlead');
    expect(pageText((await other.get('/credit/renewals')).text)).toContain('Nobody has a renewal cycle yet.');
    const foreign = await other.post(`/credit/activities/${activities[0]!._id}`, { award_ceus: 'on', stipend: '999' });
    expect(foreign.status).toBe(404);
    const cycle = await other.post('/credit/renewals/cycles', { email: 'jordan.lee@district.example', ruleId: String(rule!._id), startsOn: '2020-01-01' });
    expect(cycle.status).toBe(400);
    expect((await credit.activityCredit(tenantId(), [activities[0]!._id])).get(String(activities[0]!._id))!.stipend).toBe(150);
    expect((await credit.cycleOf(tenantId(), (await userOf('teacher2'))._id))!.startsOn).toEqual(daysAgo(4 * 365));
  });
});
