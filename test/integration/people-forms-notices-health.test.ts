import supertest from 'supertest';
import { Types } from 'mongoose';
import { notify } from '../../src/notifications/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function userId(sub: string) {
  return (await h.db().collection('users').findOne({ sub }))!._id as Types.ObjectId;
}

describe('PD staff manage people', () => {
  test('grant the approver role and assign a coach; the teacher then sees the caseload home', async () => {
    const teacher = await h.launchAs(h.canvas, 'teacher2');
    await h.launchAs(h.canvas, 'coach');
    const staff = await h.launchAs(h.canvas, 'pdlead');
    const page = await staff.get('/people');
    expect(page.status).toBe(200);
    expect(page.text).toContain(h.canvas.users.teacher2.name);

    const t2 = await userId(h.canvas.users.teacher2.sub);
    const granted = await staff.post(`/people/${t2}/grants`, { grants: 'approver' });
    expect(granted.status).toBe(303);
    const coachId = await userId(h.canvas.users.coach.sub);
    // A Mentor who has launched is offered as a coach without any grant.
    expect((await staff.get('/people')).text).toContain(`<option value="${coachId}"`);
    expect((await staff.post(`/people/${t2}/coaches`, { coachIds: String(coachId) })).status).toBe(303);

    const stored = await h.db().collection('users').findOne({ _id: t2 });
    expect(stored!.grants).toEqual(['approver']);
    expect(stored!.coachIds.map(String)).toEqual([String(coachId)]);
    const audit = await staff.get('/audit');
    expect(audit.text).toContain('person.roles-changed');
    expect(audit.text).toContain('person.coaches-changed');
    const coachHome = await teacher.get('/coach');
    expect(coachHome.status).toBe(200);
    expect(coachHome.text).toContain('<h1>Coaching caseload</h1>');
  });

  test('bad input changes nothing: an unknown role, a coach from nowhere, a malformed id', async () => {
    const staff = await h.launchAs(h.canvas, 'pdlead');
    const t2 = await userId(h.canvas.users.teacher2.sub);
    const before = await h.db().collection('users').findOne({ _id: t2 });
    expect((await staff.post(`/people/${t2}/grants`, { grants: 'superuser' }).set('Accept', 'text/html')).status).toBe(400);
    expect((await staff.post(`/people/${t2}/coaches`, { coachIds: String(new Types.ObjectId()) })).status).toBe(404);
    expect((await staff.post('/people/not-an-id/grants', { grants: 'coach' })).status).toBe(400);
    expect(await h.db().collection('users').findOne({ _id: t2 })).toEqual(before);
  });

  test('a teacher cannot open the people page or change roles', async () => {
    const teacher = await h.launchAs(h.canvas, 'teacher3');
    expect((await teacher.get('/people')).status).toBe(403);
    const me = await userId(h.canvas.users.teacher3.sub);
    expect((await teacher.post(`/people/${me}/grants`, { grants: 'pdStaff' })).status).toBe(403);
    expect((await h.db().collection('users').findOne({ _id: me }))!.grants).toEqual([]);
  });

  test('PD staff of one platform cannot reach people of another', async () => {
    const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
    const canvasTeacher = await userId(h.canvas.users.teacher3.sub);
    expect((await moodleStaff.post(`/people/${canvasTeacher}/grants`, { grants: 'coach' })).status).toBe(404);
  });
});

describe('the People page at district size', () => {
  let staff: Awaited<ReturnType<Harness['launchAs']>>;
  const ids: string[] = [];
  beforeAll(async () => {
    staff = await h.launchAs(h.canvas, 'pdlead');
    for (let i = 10; i < 40; i++) ids.push(String((await users.ensurePerson(h.canvas.tenantId, { name: `Newcomer ${i}`, email: `newcomer${i}@lincoln.example` }))._id));
  });

  test('pages 25 people at a time and searches by name or email', async () => {
    const total = await h.db().collection('users').countDocuments({ tenantId: h.canvas.tenantId });
    const first = pageText((await staff.get('/people')).text);
    expect(first).toContain(`People 1–25 of ${total}`);
    expect(first).toContain('Page 1 of 2');
    const second = pageText((await staff.get('/people?page=2')).text);
    expect(second).toContain(`People 26–${total} of ${total}`);
    const found = pageText((await staff.get('/people?q=newcomer12%40')).text);
    expect(found).toContain('People 1–1 of 1');
    expect(found).toContain('Newcomer 12');
    expect(found).toContain('not launched yet');
  });

  test('gives a role to every ticked person in one form and says what changed', async () => {
    await staff.post('/people/grants', { userIds: [ids[0]], grant: 'approver', change: 'add' });
    const res = await staff.post('/people/grants', { userIds: [ids[0], ids[1], ids[2]], grant: 'approver', change: 'add', q: 'newcomer' });
    expect(res.status).toBe(303);
    const done = pageText((await staff.launch.agent.get(res.headers.location)).text);
    expect(done).toContain('Approver given to Newcomer 11 and Newcomer 12. Newcomer 10 already had it.');
    const stored = await h.db().collection('users').find({ _id: { $in: ids.slice(0, 3).map((id) => new Types.ObjectId(id)) } }).toArray();
    expect(stored.map((u) => u.grants)).toEqual([['approver'], ['approver'], ['approver']]);
    const removed = await staff.post('/people/grants', { userIds: [ids[1]], grant: 'approver', change: 'remove' });
    expect(pageText((await staff.launch.agent.get(removed.headers.location)).text)).toContain('Approver taken away from Newcomer 11.');
    expect((await staff.get('/audit?action=person.roles-changed')).text).toContain('Newcomer 11');
  });

  test('a refused bulk change keeps the ticks and the role, and changes nothing', async () => {
    const noRole = await staff.post('/people/grants', { userIds: [ids[5]], change: 'add' });
    expect(noRole.status).toBe(400);
    expect(noRole.text).toContain('Choose a role');
    expect(noRole.text).toMatch(new RegExp(`value="${ids[5]}" id="pick-${ids[5]}" checked`));
    const nobody = await staff.post('/people/grants', { grant: 'coach', change: 'add' });
    expect(nobody.status).toBe(400);
    expect(nobody.text).toContain('Tick at least one person');
    expect(nobody.text).toContain('<option value="coach" selected>');
    const noCsrf = await staff.launch.agent.post('/people/grants').type('form').send({ ltik: staff.ltik, userIds: ids[5], grant: 'pdStaff', change: 'add' });
    expect(noCsrf.status).toBe(403);
    const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
    expect((await moodleStaff.post('/people/grants', { userIds: [ids[5]], grant: 'pdStaff', change: 'add' })).status).toBe(404);
    const teacher = await h.launchAs(h.canvas, 'teacher');
    expect((await teacher.post('/people/grants', { userIds: [ids[5]], grant: 'pdStaff', change: 'add' })).status).toBe(403);
    expect((await h.db().collection('users').findOne({ _id: new Types.ObjectId(ids[5]) }))!.grants).toEqual([]);
  });
});

describe('forms and errors', () => {
  test('a state-changing request without the CSRF token is refused', async () => {
    const staff = await h.launchAs(h.canvas, 'pdlead');
    const t3 = await userId(h.canvas.users.teacher3.sub);
    const res = await staff.launch.agent.post(`/people/${t3}/grants`).type('form').send({ ltik: staff.ltik, grants: 'coach' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form has expired');
    expect((await h.db().collection('users').findOne({ _id: t3 }))!.grants).toEqual([]);
  });

  test('unknown pages: an HTML page for browsers, problem details for JSON clients', async () => {
    const s = await h.launchAs(h.canvas, 'teacher');
    const html = await s.get('/no-such-page');
    expect(html.status).toBe(404);
    expect(html.text).toContain('could not be found');
    const json = await s.get('/no-such-page').set('Accept', 'application/json');
    expect(json.status).toBe(404);
    expect(json.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(json.text)).toEqual(expect.objectContaining({ status: 404, title: 'Not found' }));
  });

  test('pages can be framed by an LMS but run no inline script', async () => {
    const s = await h.launchAs(h.canvas, 'teacher');
    const res = await s.get('/dashboard');
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain('frame-ancestors');
  });
});

describe('notices', () => {
  test('a milestone shows on the home page once, and dismissing it marks it read', async () => {
    const s = await h.launchAs(h.moodle, 'teacher');
    const me = await userId(h.moodle.users.teacher.sub);
    const input = { userId: me, kind: 'plan.approved', title: 'Your plan was approved', celebrate: true, dedupeKey: `approved-${me}` };
    await notify(h.moodle.tenantId, input);
    await notify(h.moodle.tenantId, input);
    const home = await s.get('/dashboard');
    expect(home.text.match(/Your plan was approved/g)).toHaveLength(1);
    const id = /action="\/notifications\/([a-f0-9]{24})\/read"/.exec(home.text)![1];
    expect((await s.post(`/notifications/${id}/read`)).status).toBe(303);
    expect((await s.get('/dashboard')).text).not.toContain('Your plan was approved');
    expect((await s.get('/notifications')).text).toContain('Your plan was approved');
  });
});

describe('health', () => {
  test('/healthz answers while the process runs; /readyz checks the database', async () => {
    expect((await supertest(h.app).get('/healthz')).body.status).toBe('ok');
    const ready = await supertest(h.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database.ok).toBe(true);
  });
});
