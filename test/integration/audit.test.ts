import { Types } from 'mongoose';
import { Harness, Session, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { idFrom } from '../support/pathways';

let h: Harness;
let staff: Session;
let jordanId: Types.ObjectId;
let groupId: string;

beforeAll(async () => {
  h = await startHarness();
  await h.launchAs(h.canvas, 'teacher2');
  await h.launchAs(h.canvas, 'coach');
  staff = await h.launchAs(h.canvas, 'pdlead');
  jordanId = (await h.db().collection('users').findOne({ sub: h.canvas.users.teacher2.sub }))!._id;
  const coachId = (await h.db().collection('users').findOne({ sub: h.canvas.users.coach.sub }))!._id;
  await staff.post(`/people/${jordanId}/grants`, { grants: 'approver' });
  await staff.post(`/people/${jordanId}/coaches`, { coachIds: String(coachId) });
  groupId = idFrom((await staff.post('/groups', { name: 'Lincoln Elementary', kind: 'school' })).headers.location, 'groups');
  // An entry from last year, to filter by date.
  await h.db().collection('auditLog').insertOne({ tenantId: h.canvas.tenantId, actorName: 'Alex Kim', action: 'policy.updated', subject: { kind: 'tenant', id: String(h.canvas.tenantId) }, before: { maxCostPerYear: 1000 }, after: { maxCostPerYear: 1500 }, at: new Date('2025-03-04T10:00:00Z') });
});
afterAll(() => h.close());

/** The text of the log's table (the filters list every action too). */
async function table(path: string): Promise<string> {
  const html = (await staff.get(path)).text;
  return pageText(html.match(/<tbody>[\s\S]*?<\/tbody>/)?.[0] ?? html.match(/<main[\s\S]*<\/main>/)![0]);
}

describe('the audit log', () => {
  test('names people and things, and says what happened in words', async () => {
    const res = await staff.get('/audit');
    expect(res.status).toBe(200);
    const text = pageText(res.text);
    expect(text).toContain('Roles changed');
    expect(text).toContain('Coaches changed');
    expect(text).toContain('Group created');
    expect(text).toContain('Jordan Lee');
    expect(text).toContain('Lincoln Elementary');
    expect(text).toContain('coaches: none → coaches: Sam Rivera');
    expect(text).toContain('District policy changed');
    // No raw ids on the page (the ltik and the option values aside).
    expect(text).not.toContain(String(jordanId));
    expect(text).not.toContain(groupId);
  });

  test('filters by person, action and date', async () => {
    expect((await staff.get('/audit')).text).toContain(`<option value="${jordanId}"`);
    const jordan = await table(`/audit?person=${jordanId}`);
    expect(jordan).toContain('Roles changed');
    expect(jordan).not.toContain('Group created');
    const created = await table('/audit?action=group.created');
    expect(created).toContain('Lincoln Elementary');
    expect(created).not.toContain('Roles changed');
    const lastYear = await table('/audit?from=2025-01-01&to=2025-12-31');
    expect(lastYear).toContain('District policy changed');
    expect(lastYear).toContain('max cost per year: 1000 → max cost per year: 1500');
    expect(lastYear).not.toContain('Roles changed');
    const nothing = await table('/audit?from=2020-01-01&to=2020-01-31');
    expect(nothing).toContain('No entry matches these filters.');
  });

  test('a bad filter is explained, the good ones still apply and what was typed stays', async () => {
    const res = await staff.get(`/audit?from=yesterday&action=group.created`);
    expect(res.status).toBe(400);
    expect(pageText(res.text)).toContain('Enter the date as YYYY-MM-DD');
    const noSuchDay = await staff.get(`/audit?from=2026-02-30&action=group.created`);
    expect(noSuchDay.status).toBe(400);
    expect(pageText(noSuchDay.text)).toContain('There is no such date');
    expect(pageText(res.text)).toContain('Lincoln Elementary');
    expect(res.text).toContain('<option value="group.created" selected>');
  });

  test('downloads as CSV with the same filters', async () => {
    const csv = await staff.get(`/audit.csv?person=${jordanId}`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('When (UTC),Who,Action,Action code,About,Change');
    expect(lines.slice(1).every((l) => l.includes('Jordan Lee'))).toBe(true);
    expect(csv.text).toContain('Roles changed,person.roles-changed,Jordan Lee');
    expect(csv.text).not.toContain('Group created');
  });

  test('only PD staff of the district read it', async () => {
    const teacher = await h.launchAs(h.canvas, 'teacher');
    expect((await teacher.get('/audit')).status).toBe(403);
    expect((await teacher.get('/audit.csv')).status).toBe(403);
    const other = await h.launchAs(h.moodle, 'pdlead');
    const theirs = await other.get(`/audit.csv?person=${jordanId}`);
    expect(theirs.status).toBe(200);
    expect(theirs.text).not.toContain('Jordan Lee');
    expect(pageText((await other.get('/audit')).text)).not.toContain('Lincoln Elementary');
  });
});
