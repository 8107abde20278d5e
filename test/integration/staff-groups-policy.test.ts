import { Harness, Session, startHarness } from '../support/harness';
import { pageText } from '../support/forms';

let h: Harness;
let staff: Session;
let teacher: Session;
let moodleStaff: Session;
beforeAll(async () => {
  h = await startHarness();
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  await h.launchAs(h.canvas, 'teacher2');
});
afterAll(() => h.close());

const tenant = (id = h.canvas.tenantId) => h.db().collection('tenants').findOne({ _id: id });
const groupsOf = (tenantId = h.canvas.tenantId) => h.db().collection('groups').find({ tenantId }).sort({ _id: 1 }).toArray();
const policyForm = { planMonths: '24', maxCostPerYear: '1200', maxHoursPerYear: '90', minHoursPerYear: '15', approvers: 'pd-staff', reflectionRequired: 'on', creditRetention: 'years', creditRetentionYears: '7' };

describe('district policy page', () => {
  test('PD staff change the caps and who approves; the change is audited and plans read it', async () => {
    expect((await staff.get('/policy')).text).toContain('value="1500"');
    const res = await staff.post('/policy', policyForm);
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain('/policy?saved=1');
    const { policy } = (await tenant())!;
    expect(policy).toMatchObject({ planMonths: 24, maxCostPerYear: 1200, maxHoursPerYear: 90, minHoursPerYear: 15, approvers: 'pd-staff', approvalRequired: true, reflectionRequired: true });
    const entry = await h.db().collection('auditLog').findOne({ tenantId: h.canvas.tenantId, action: 'policy.updated' });
    expect(entry).toMatchObject({ before: { maxCostPerYear: 1500 }, after: { maxCostPerYear: 1200, approvers: 'pd-staff' } });
    expect(pageText((await staff.get('/policy?saved=1')).text)).toContain('The policy was saved');

    await staff.post('/policy', { ...policyForm, approvers: 'none', reflectionRequired: undefined });
    expect((await tenant())!.policy).toMatchObject({ approvers: 'none', approvalRequired: false, reflectionRequired: false });
    expect((await tenant(h.moodle.tenantId))!.policy).toMatchObject({ maxCostPerYear: 1500, approvers: 'approver-grant' });
  });

  test('bad policy input comes back with messages next to the fields and changes nothing', async () => {
    const before = (await tenant())!.policy;
    const res = await staff.post('/policy', { ...policyForm, planMonths: '3', maxCostPerYear: 'lots', minHoursPerYear: '200', approvers: 'the-mayor' });
    expect(res.status).toBe(400);
    const text = pageText(res.text);
    expect(text).toContain('Plans last at least 6 months');
    expect(text).toContain('Enter the cost cap as a number');
    expect(text).toContain('The required minimum is above the hours cap');
    expect(text).toContain('Choose who approves plans');
    expect(res.text).toMatch(/id="maxCostPerYear"[^>]*value="lots"[^>]*aria-invalid="true"/);
    expect((await tenant())!.policy).toEqual(before);
  });

  test('teachers can neither read nor change the policy', async () => {
    expect((await teacher.get('/policy')).status).toBe(403);
    expect((await teacher.post('/policy', policyForm)).status).toBe(403);
    expect((await teacher.get('/dashboard')).text).not.toContain('>Policy<');
  });
});

describe('schools and groups', () => {
  let schoolId: string;

  test('PD staff add a school, add members by search, and remove one', async () => {
    const res = await staff.post('/groups', { name: 'Lincoln Elementary', kind: 'school', description: 'K-5' });
    expect(res.status).toBe(303);
    schoolId = res.headers.location.match(/groups\/([a-f0-9]{24})/)![1];
    const search = await staff.get(`/groups/${schoolId}?q=patel`);
    expect(pageText(search.text)).toContain('Maya Patel');
    const maya = await h.db().collection('users').findOne({ tenantId: h.canvas.tenantId, name: 'Maya Patel' });
    const jordan = await h.db().collection('users').findOne({ tenantId: h.canvas.tenantId, name: 'Jordan Lee' });
    expect((await staff.post(`/groups/${schoolId}/members`, { userIds: [String(maya!._id), String(jordan!._id)] })).headers.location).toContain('added=2');
    expect((await staff.post(`/groups/${schoolId}/members`, { userIds: String(maya!._id) })).headers.location).toContain('added=0');
    const page = pageText((await staff.get(`/groups/${schoolId}`)).text);
    expect(page).toContain('Members (2)');
    await staff.post(`/groups/${schoolId}/members/${jordan!._id}/remove`);
    expect((await groupsOf())[0]!.memberIds.map(String)).toEqual([String(maya!._id)]);
  });

  test('a duplicate or empty name is refused with a field message', async () => {
    const dup = await staff.post('/groups', { name: 'lincoln elementary', kind: 'team' });
    expect(dup.status).toBe(400);
    expect(pageText(dup.text)).toContain('Another group already has this name');
    const empty = await staff.post('/groups', { name: '', kind: 'club' });
    expect(empty.status).toBe(400);
    expect(pageText(empty.text)).toContain('Enter a name of at least 2 characters');
    expect(pageText(empty.text)).toContain('Choose school, team or cohort');
    expect(await groupsOf()).toHaveLength(1);
  });

  test('a CSV of members: a bad row refuses the whole file; a clean file adds known and pending people', async () => {
    const bad = 'email,lms_id,name\nmaya.patel@district.example,,\n,,Nobody\nnot-an-email,,X\n';
    const refused = await staff.launch.agent.post(`/groups/${schoolId}/import?ltik=${staff.ltik}`).field('_csrf', staff.csrf).attach('file', Buffer.from(bad), 'members.csv');
    expect(refused.status).toBe(400);
    const text = pageText(refused.text);
    expect(text).toContain('2 row(s) need attention; nobody was added.');
    expect(text).toContain('line 3: Give an email or an LMS id');
    expect(text).toContain('line 4: “not-an-email” is not an email address');
    expect((await groupsOf())[0]!.memberIds).toHaveLength(1);
    const usersBefore = await h.db().collection('users').countDocuments({ tenantId: h.canvas.tenantId });

    const good = 'Email,LMS ID,Name\nmaya.patel@district.example,,\nnew.teacher@district.example,,Robin New\n,103,\n';
    const ok = await staff.launch.agent.post(`/groups/${schoolId}/import?ltik=${staff.ltik}`).field('_csrf', staff.csrf).attach('file', Buffer.from(good), 'members.csv');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toContain('added=2');
    const robin = await h.db().collection('users').findOne({ tenantId: h.canvas.tenantId, 'aliases.email': 'new.teacher@district.example' });
    expect(robin).toMatchObject({ status: 'pending', name: 'Robin New' });
    expect(await h.db().collection('users').findOne({ tenantId: h.canvas.tenantId, 'aliases.canvasId': '103' })).toMatchObject({ status: 'pending', name: '103' });
    expect(await h.db().collection('users').countDocuments({ tenantId: h.canvas.tenantId })).toBe(usersBefore + 2);
    expect(pageText((await staff.get(`/groups/${schoolId}`)).text)).toContain('Not launched yet');
  });

  test('teachers and other tenants cannot see or change the groups', async () => {
    expect((await teacher.get('/groups')).status).toBe(403);
    expect((await teacher.get(`/groups/${schoolId}`)).status).toBe(403);
    expect((await teacher.post('/groups', { name: 'Mine', kind: 'team' })).status).toBe(403);
    expect((await moodleStaff.get(`/groups/${schoolId}`)).status).toBe(404);
    expect((await moodleStaff.post(`/groups/${schoolId}/delete`)).status).toBe(404);
    expect(await groupsOf()).toHaveLength(1);
  });
});
