import { Types } from 'mongoose';
import * as users from '../../src/users/service';
import { Harness, Session, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { sessionsWorld, SessionsWorld, wall } from '../support/sessions';

let h: Harness;
let w: SessionsWorld;
let facilitator: Session;
let facilitatorId: string;
beforeAll(async () => {
  h = await startHarness();
  w = await sessionsWorld(h, h.canvas, ['teacher', 'teacher2', 'teacher3', 'coach']);
  const person = await w.userOf('teacher3');
  facilitatorId = String(person._id);
  await users.changeGrant(h.canvas.tenantId, [person._id], { grant: 'facilitator', change: 'add' }, { userId: person._id, name: 'test' });
  facilitator = await h.launchAs(h.canvas, 'teacher3');
});
afterAll(() => h.close());

const startedAgo = (id: string, minutes: number) => {
  const start = Date.now() - minutes * 60_000;
  return h.db().collection('pdsessions').updateOne({ _id: new Types.ObjectId(id) }, { $set: { startsAt: new Date(start), endsAt: new Date(start + 2 * 3_600_000) } });
};

test('the facilitator home lists their own sessions only: upcoming with roster counts, attendance to take, and leads with it', async () => {
  const upcoming = await w.schedule({ seatLimit: '1', facilitatorIds: facilitatorId, place: 'Room upcoming-one' });
  await w.register('teacher', upcoming);
  await w.register('teacher2', upcoming);
  const underWay = await w.schedule({ seatLimit: '5', facilitatorIds: facilitatorId, place: 'Room under-way' });
  await w.register('coach', underWay);
  await startedAgo(underWay, 20);
  await w.schedule({ place: 'Room of someone else' });

  const home = await facilitator.get('/facilitator');
  expect(home.status).toBe(200);
  const text = pageText(home.text);
  expect(text).toContain('Room upcoming-one · 1 of 1 seat taken · 1 person waiting');
  expect(text).toContain('Room under-way · 1 person not marked yet');
  expect(text).not.toContain('Room of someone else');
  expect(text).toContain('Attendance is still to take for 1 session');
  expect(home.text).toContain(`/sessions/${underWay}/roster`);
  expect(home.text).toContain(`/evaluations/sessions/${underWay}/results`);
  expect(text).toContain('0 of 0 attendees answered');
});

test('the launch lands a facilitator on their home; teachers and PD staff without the role are refused it', async () => {
  expect(facilitator.launch.text).toContain('<h1>My sessions to run</h1>');
  expect(pageText((await facilitator.get('/dashboard')).text)).toContain('My sessions to run');
  expect((await w.people.teacher!.get('/facilitator')).status).toBe(403);
  expect((await w.staff.get('/facilitator')).status).toBe(403);
});

test('a facilitator of one session cannot see or change the roster of another', async () => {
  const other = await w.schedule({ place: 'Room not theirs' });
  await w.register('teacher', other);
  const teacher = String((await w.userOf('teacher'))._id);
  expect((await facilitator.get(`/sessions/${other}/roster`)).status).toBe(403);
  expect((await facilitator.post(`/sessions/${other}/roster/remove`, { userId: teacher })).status).toBe(403);
  expect((await facilitator.post(`/sessions/${other}/attendance`, { seated: teacher, present: teacher })).status).toBe(403);
  expect((await w.registrations(other)).map((r) => r.status)).toEqual(['registered']);
});

test('a facilitator seats someone from the waitlist ahead of its order (one seat over the limit) and moves a registrant to another session', async () => {
  const full = await w.schedule({ seatLimit: '1', facilitatorIds: facilitatorId, place: 'Room full-one' });
  const later = await w.schedule({ seatLimit: '1', facilitatorIds: facilitatorId, startsAt: wall(15), endsAt: wall(15, '12:00'), place: 'Room later-one' });
  const notTheirs = await w.schedule({ place: 'Room staff-only' });
  for (const p of ['teacher', 'teacher2', 'coach'] as const) await w.register(p, full);
  const [t1, t2, coach] = [String((await w.userOf('teacher'))._id), String((await w.userOf('teacher2'))._id), String((await w.userOf('coach'))._id)];

  expect((await w.people.teacher!.post(`/sessions/${full}/roster/seat`, { userId: coach })).status).toBe(403);
  expect((await facilitator.post(`/sessions/${full}/roster/seat`, { userId: t1 })).status).toBe(404);
  const seated = await facilitator.post(`/sessions/${full}/roster/seat`, { userId: coach });
  expect(seated.status).toBe(303);
  expect(await w.sessionDoc(full)).toMatchObject({ seatLimit: 2, seatsLeft: 0, waiting: 1 });
  expect((await w.registrations(full)).find((r) => String(r.userId) === coach)).toMatchObject({ status: 'registered' });

  const roster = await facilitator.get(`/sessions/${full}/roster`);
  expect(roster.text).toContain(`value="${later}"`);
  expect(roster.text).not.toContain(`value="${notTheirs}"`);
  const blank = await facilitator.post(`/sessions/${full}/roster/move`, { userId: t1, toSessionId: '' });
  expect(blank.status).toBe(400);
  expect(pageText(blank.text)).toContain('nothing was changed');
  expect((await facilitator.post(`/sessions/${full}/roster/move`, { userId: t1, toSessionId: notTheirs })).status).toBe(403);
  expect((await facilitator.post(`/sessions/${full}/roster/move`, { userId: t1, toSessionId: full })).status).toBe(409);

  expect((await facilitator.post(`/sessions/${full}/roster/move`, { userId: t1, toSessionId: later })).status).toBe(303);
  const places = async (id: string) => Object.fromEntries((await w.registrations(id)).map((r) => [String(r.userId), r.status]));
  expect(await places(later)).toEqual({ [t1]: 'registered' });
  expect(await places(full)).toEqual({ [t1]: 'cancelled', [t2]: 'registered', [coach]: 'registered' });
  expect(await w.sessionDoc(full)).toMatchObject({ seatsLeft: 0, waiting: 0 });
  expect(await w.sessionDoc(later)).toMatchObject({ seatsLeft: 0, waiting: 0 });
  await w.register('teacher2', later);
  const twice = await facilitator.post(`/sessions/${full}/roster/move`, { userId: t2, toSessionId: later });
  expect(twice.status).toBe(409);
  expect(pageText(twice.text)).toContain('already on the other session’s lists');
  expect(await places(later)).toEqual({ [t1]: 'registered', [t2]: 'waitlisted' });
  expect(await places(full)).toEqual({ [t1]: 'cancelled', [t2]: 'registered', [coach]: 'registered' });
  expect(await w.sessionDoc(later)).toMatchObject({ seatsLeft: 0, waiting: 1 });
  const notice = await h.db().collection('notifications').findOne({ userId: new Types.ObjectId(t1), kind: 'session.moved' });
  expect(notice).toMatchObject({ link: `/sessions/${later}` });
});
