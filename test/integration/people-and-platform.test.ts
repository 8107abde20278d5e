import supertest from 'supertest';
import { Types } from 'mongoose';
import { notify } from '../../src/notifications/service';
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
