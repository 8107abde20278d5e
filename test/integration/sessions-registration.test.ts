import { Types } from 'mongoose';
import supertest from 'supertest';
import * as catalog from '../../src/catalog/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { Harness, Persona, Session, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { sessionsWorld, SessionsWorld, wall } from '../support/sessions';

let h: Harness;
let w: SessionsWorld;
let staff: Session;
let people: SessionsWorld['people'];
let workshopId: string;
const schedule = (fields?: Record<string, string>) => w.schedule(fields);
const register = (p: Persona, id: string) => w.register(p, id);
const sessionDoc = (id: string) => w.sessionDoc(id);
const registrations = (id: string) => w.registrations(id);
const userOf = (p: Persona) => w.userOf(p);
const personaOf = (id: Types.ObjectId) => w.personaOf(id);

beforeAll(async () => {
  h = await startHarness();
  w = await sessionsWorld(h, h.canvas, ['teacher', 'teacher2', 'teacher3', 'coach']);
  ({ staff, people, workshopId } = w);
});
afterAll(() => h.close());

test('PD staff schedule a session in the district time zone; teachers cannot; bad input keeps what was typed', async () => {
  expect((await people.teacher!.post('/sessions', { activityId: workshopId, startsAt: wall(5), endsAt: wall(5, '11:00'), place: 'x', seatLimit: '5' })).status).toBe(403);
  const bad = await staff.post('/sessions', { activityId: workshopId, startsAt: '2031-01-15T09:00', endsAt: '2031-01-15T08:00', place: 'Room <b>9</b>', seatLimit: '0' });
  expect(bad.status).toBe(400);
  const text = pageText(bad.text);
  expect(text).toContain('The session ends before it starts');
  expect(text).toContain('At least 1 seat');
  expect(bad.text).toContain('value="Room &lt;b&gt;9&lt;/b&gt;"');
  expect(await h.db().collection('pdsessions').countDocuments({ tenantId: h.canvas.tenantId })).toBe(0);

  const id = await schedule({ startsAt: '2031-01-15T09:00', endsAt: '2031-01-15T11:30' });
  const doc = await sessionDoc(id);
  // 09:00 in Chicago in January is 15:00 UTC (CST, UTC-6).
  expect(doc).toMatchObject({ startsAt: new Date('2031-01-15T15:00:00Z'), endsAt: new Date('2031-01-15T17:30:00Z'), seatLimit: 2, seatsLeft: 2 });
  const page = pageText((await people.teacher!.get(`/sessions/${id}`)).text);
  expect(page).toContain('CST');
  expect(page).toContain('2 of 2 seats left');
});

test('the last seat goes to exactly one of many concurrent registrations; the others wait in order', async () => {
  const id = await schedule({ seatLimit: '2' });
  const racers = ['teacher', 'teacher2', 'teacher3', 'coach'] as const;
  const answers = await Promise.all(racers.map((p) => register(p, id)));
  expect(answers.map((r) => r.status)).toEqual([303, 303, 303, 303]);
  const regs = await registrations(id);
  expect(regs.filter((r) => r.status === 'registered')).toHaveLength(2);
  expect(regs.filter((r) => r.status === 'waitlisted').map((r) => r.waitlistNumber).sort()).toEqual([1, 2]);
  expect(await sessionDoc(id)).toMatchObject({ seatsLeft: 0, waiting: 2 });

  // Each of them now has the activity in the goal they chose.
  for (const p of racers) {
    const plan = await plans.currentPlan(h.canvas.tenantId, (await userOf(p))._id);
    expect(plan!.goals[0]!.activities.some((a) => String(a.activityId) === workshopId)).toBe(true);
  }
  const waiting = regs.find((r) => r.waitlistNumber === 1)!;
  const waiterPersona = await personaOf(waiting.userId);
  const page = pageText((await people[waiterPersona]!.get(`/sessions/${id}?done=waitlisted`)).text);
  expect(page).toContain('you are number 1 on the waitlist');

  // A seated person cancels: number 1 gets the seat and is told in the app.
  const seated = regs.find((r) => r.status === 'registered')!;
  const seatedPersona = await personaOf(seated.userId);
  const left = await people[seatedPersona]!.post(`/sessions/${id}/leave`);
  expect(left.status).toBe(303);
  expect(pageText((await people[seatedPersona]!.get(`/sessions/${id}?done=left`)).text)).toContain('You are no longer registered');
  const after = await registrations(id);
  expect(after.find((r) => r._id.equals(waiting._id))).toMatchObject({ status: 'registered' });
  expect(after.filter((r) => r.status === 'registered')).toHaveLength(2);
  expect(await sessionDoc(id)).toMatchObject({ seatsLeft: 0, waiting: 1 });
  const notice = await h.db().collection('notifications').findOne({ tenantId: h.canvas.tenantId, userId: waiting.userId, kind: 'session.promoted' });
  expect(notice!.title).toContain('A seat opened');
  expect(pageText((await people[waiterPersona]!.get('/notifications')).text)).toContain('A seat opened');
});

test('registering twice, before the window opens, or over the cost cap is refused and changes nothing', async () => {
  const id = await schedule({ seatLimit: '5' });
  expect((await register('teacher', id)).status).toBe(303);
  const again = await register('teacher', id);
  expect(again.status).toBe(409);
  expect(pageText(again.text)).toContain('You are already registered');
  expect(await registrations(id)).toHaveLength(1);

  const later = await schedule({ registrationOpensAt: wall(3) });
  const early = await register('teacher2', later);
  expect(early.status).toBe(409);
  expect(pageText(early.text)).toContain('Registration has not opened yet');
  expect(await registrations(later)).toHaveLength(0);

  const pricey = await catalog.createActivity(h.canvas.tenantId, await catalog.validateActivity(h.canvas.tenantId, { kind: 'conference', title: 'National Summit', provider: 'Summit Inc', competencies: ['ASMT1'], hours: '10', cost: '9000', mode: 'in-person', timing: 'sync', startsOn: wall(20).slice(0, 10) }), { userId: new Types.ObjectId(), name: 'test' });
  const summit = await schedule({ activityId: String(pricey._id) });
  const planBefore = await plans.currentPlan(h.canvas.tenantId, (await userOf('teacher2'))._id);
  const over = await register('teacher2', summit);
  expect(over.status).toBe(409);
  expect(pageText(over.text)).toContain('over the cost cap');
  expect(pageText(over.text)).toContain('Nothing was registered');
  expect(await registrations(summit)).toHaveLength(0);
  expect(await sessionDoc(summit)).toMatchObject({ seatsLeft: 2 });
  expect((await plans.currentPlan(h.canvas.tenantId, (await userOf('teacher2'))._id))!.goals).toEqual(planBefore!.goals);

  const noGoal = await people.teacher2!.post(`/sessions/${id}/register`, { goalId: String(new Types.ObjectId()) });
  expect(noGoal.status).toBe(400);
  expect(pageText(noGoal.text)).toContain('Choose the goal this session is for');
});

test('rosters are for PD staff and the session’s own facilitators; other tenants’ ids reach nothing', async () => {
  const coach = await userOf('coach');
  await users.changeGrant(h.canvas.tenantId, [coach._id], { grant: 'facilitator', change: 'add' }, { userId: new Types.ObjectId(), name: 'test' });
  const theirs = await schedule({ facilitatorIds: String(coach._id) });
  const other = await schedule();
  await register('teacher', theirs);
  const facilitator = await h.launchAs(h.canvas, 'coach');
  const roster = await facilitator.get(`/sessions/${theirs}/roster`);
  expect(roster.status).toBe(200);
  expect(pageText(roster.text)).toContain(h.canvas.users.teacher.name);
  expect((await facilitator.get(`/sessions/${other}/roster`)).status).toBe(403);
  expect((await people.teacher!.get(`/sessions/${theirs}/roster`)).status).toBe(403);

  // A teacher cannot take someone else off, nor edit the session.
  const teacherId = String((await userOf('teacher'))._id);
  expect((await people.teacher2!.post(`/sessions/${theirs}/roster/remove`, { userId: teacherId })).status).toBe(403);
  expect((await people.teacher2!.post(`/sessions/${theirs}`, { activityId: workshopId, startsAt: wall(1), endsAt: wall(1, '10:00'), place: 'x', seatLimit: '9' })).status).toBe(403);
  expect(await sessionDoc(theirs)).toMatchObject({ seatLimit: 2, seatsLeft: 1 });

  const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  const moodleTeacher = await h.launchAs(h.moodle, 'teacher');
  expect((await moodleTeacher.get(`/sessions/${theirs}`)).status).toBe(404);
  expect((await moodleTeacher.post(`/sessions/${theirs}/register`, { goalId: w.goals.get('teacher') })).status).toBe(404);
  expect((await moodleStaff.get(`/sessions/${theirs}/roster`)).status).toBe(404);
  expect((await moodleStaff.post(`/sessions/${theirs}/cancel`)).status).toBe(404);
  expect((await moodleStaff.post(`/sessions/${theirs}/roster/remove`, { userId: teacherId })).status).toBe(404);
  expect(await sessionDoc(theirs)).toMatchObject({ status: 'scheduled', seatsLeft: 1 });
  expect((await registrations(theirs)).map((r) => r.status)).toEqual(['registered']);
});

test('cancelling a session tells everyone on it', async () => {
  const id = await schedule({ seatLimit: '1' });
  await register('teacher', id);
  await register('teacher2', id);
  expect((await people.teacher!.post(`/sessions/${id}/cancel`)).status).toBe(403);
  expect((await staff.post(`/sessions/${id}/cancel`)).status).toBe(303);
  expect(await sessionDoc(id)).toMatchObject({ status: 'cancelled', sequence: 1 });
  for (const p of ['teacher', 'teacher2'] as const) {
    const n = await h.db().collection('notifications').findOne({ userId: (await userOf(p))._id, kind: 'session.cancelled' });
    expect(n!.link).toBe(`/sessions/${id}`);
  }
  const again = await register('teacher3', id);
  expect(again.status).toBe(409);
  expect(pageText(again.text)).toContain('This session was cancelled');
});

test('a teacher who deletes their data leaves every session: their seat goes to the next person waiting, their feed stops', async () => {
  const id = await schedule({ seatLimit: '1' });
  await register('teacher3', id);
  await register('coach', id);
  const feed = await people.teacher3!.post('/calendar/feed');
  const url = /id="feed-url"[^>]*value="([^"]+)"/.exec(feed.text)![1]!;
  const feedPath = new URL(url).pathname;
  expect((await supertest(h.app).get(feedPath)).status).toBe(200);
  const me = (await userOf('teacher3'))._id;

  expect((await people.teacher3!.post('/my-data/delete', { confirm: 'DELETE' })).status).toBe(200);

  expect(await h.db().collection('registrations').countDocuments({ userId: me })).toBe(0);
  expect(await h.db().collection('calendarfeeds').countDocuments({ userId: me })).toBe(0);
  expect((await supertest(h.app).get(feedPath)).status).toBe(404);
  const coach = (await userOf('coach'))._id;
  expect((await registrations(id)).find((r) => r.userId.equals(coach))).toMatchObject({ status: 'registered' });
  expect(await sessionDoc(id)).toMatchObject({ seatsLeft: 0, waiting: 0 });
});
