import supertest from 'supertest';
import { Types } from 'mongoose';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { Harness, Persona, Session, startHarness } from '../support/harness';
import { pageText, postPairs } from '../support/forms';
import { sessionsWorld, SessionsWorld } from '../support/sessions';

let h: Harness;
let w: SessionsWorld;
let facilitator: Session;
beforeAll(async () => {
  h = await startHarness();
  w = await sessionsWorld(h, h.canvas, ['teacher', 'teacher2', 'teacher3']);
  facilitator = await h.launchAs(h.canvas, 'coach');
  const coach = await w.userOf('coach');
  await users.changeGrant(h.canvas.tenantId, [coach._id], { grant: 'facilitator', change: 'add' }, { userId: coach._id, name: 'test' });
});
afterAll(() => h.close());

/** Registers these people, then moves the session so that it started ten minutes ago and lasts two hours. */
async function underWay(persons: Persona[], seats = '5'): Promise<string> {
  const id = await w.schedule({ seatLimit: seats, facilitatorIds: String((await w.userOf('coach'))._id) });
  for (const p of persons) await w.register(p, id);
  const start = Date.now() - 10 * 60_000;
  await h.db().collection('pdsessions').updateOne({ _id: new Types.ObjectId(id) }, { $set: { startsAt: new Date(start), endsAt: new Date(start + 2 * 3_600_000) } });
  return id;
}

const ledger = (userId: Types.ObjectId) => h.db().collection('completionEvents').find({ tenantId: h.canvas.tenantId, source: 'attendance', userId }).toArray();
async function planActivity(p: Persona) {
  const plan = await plans.currentPlan(h.canvas.tenantId, (await w.userOf(p))._id);
  return plan!.goals[0]!.activities.find((a) => String(a.activityId) === w.workshopId)!;
}

test('the facilitator ticks the roster with partial hours: one ledger entry, the plan activity done, saving again adds nothing', async () => {
  const id = await underWay(['teacher', 'teacher2']);
  const [t1, t2] = [await w.userOf('teacher'), await w.userOf('teacher2')];
  const roster = await facilitator.get(`/sessions/${id}/roster`);
  expect(roster.status).toBe(200);
  expect(roster.text).toContain('<svg');
  const code = (await w.sessionDoc(id))!.signInCode as string;
  expect(pageText(roster.text)).toContain(code);

  expect((await postPairs(w.people.teacher!, `/sessions/${id}/attendance`, [['seated', String(t1._id)], ['present', String(t1._id)]])).status).toBe(403);
  const tooMany = await postPairs(facilitator, `/sessions/${id}/attendance`, [['seated', String(t1._id)], ['present', String(t1._id)], [`hours.${t1._id}`, '40']]);
  expect(tooMany.status).toBe(400);
  expect(pageText(tooMany.text)).toContain('nothing was saved');
  expect(await ledger(t1._id)).toHaveLength(0);

  const pairs: [string, string][] = [['seated', String(t1._id)], ['seated', String(t2._id)], ['present', String(t1._id)], [`hours.${t1._id}`, '1.5']];
  const saved = await postPairs(facilitator, `/sessions/${id}/attendance`, pairs);
  expect(saved.status).toBe(303);
  expect(pageText((await facilitator.get(`/sessions/${id}/roster?done=attendance&marked=1`)).text)).toContain('1 person newly marked present');
  const events = await ledger(t1._id);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ status: 'applied', hours: 1.5 });
  expect(await planActivity('teacher')).toMatchObject({ status: 'done', source: 'attendance', completedHours: 1.5 });
  expect(await planActivity('teacher2')).toMatchObject({ status: 'not-started' });
  expect(pageText((await w.people.teacher!.get(`/sessions/${id}`)).text)).toContain('1.5 h recorded and credited');

  expect((await postPairs(facilitator, `/sessions/${id}/attendance`, pairs)).status).toBe(303);
  expect(await ledger(t1._id)).toHaveLength(1);
});

test('signing in with the code: wrong code, outside the window, on the waitlist and twice are refused; once is credited once', async () => {
  const id = await underWay(['teacher3', 'teacher'], '1');
  const code = (await w.sessionDoc(id))!.signInCode as string;
  const t3 = await w.userOf('teacher3');
  const wrong = await w.people.teacher3!.post(`/sessions/${id}/sign-in`, { code: 'ZZZZZZ' });
  expect(wrong.status).toBe(400);
  expect(pageText(wrong.text)).toContain('not the code of this session');
  expect(wrong.text).toContain('value="ZZZZZZ"');
  expect((await w.registrations(id)).find((r) => r.userId.equals(t3._id))!.attendance).toBeUndefined();

  const waitlisted = await w.people.teacher!.post(`/sessions/${id}/sign-in`, { code });
  expect(waitlisted.status).toBe(409);
  expect(pageText(waitlisted.text)).toContain('You are on the waitlist');

  const ok = await w.people.teacher3!.post(`/sessions/${id}/sign-in`, { code: ` ${code.toLowerCase().slice(0, 3)}-${code.toLowerCase().slice(3)} ` });
  expect(ok.status).toBe(303);
  expect(pageText((await w.people.teacher3!.get(`/sessions/${id}?done=signed-in`)).text)).toContain('You are signed in');
  const twice = await w.people.teacher3!.post(`/sessions/${id}/sign-in`, { code });
  expect(twice.status).toBe(409);
  expect(pageText(twice.text)).toContain('already signed in');
  expect(await ledger(t3._id)).toHaveLength(1);
  // A code sign-in credits the whole session: the activity's hours, or the session's two hours if more.
  const activity = await h.db().collection('activities').findOne({ _id: new Types.ObjectId(w.workshopId) });
  expect(await planActivity('teacher3')).toMatchObject({ status: 'done', source: 'attendance', completedHours: Math.max(activity!.hours, 2) });

  const later = await w.schedule({ seatLimit: '3' });
  await w.register('teacher2', later);
  const early = await w.people.teacher2!.post(`/sessions/${later}/sign-in`, { code: (await w.sessionDoc(later))!.signInCode as string });
  expect(early.status).toBe(409);
  expect(pageText(early.text)).toContain('Sign-in is open only from half an hour before');
  expect(await ledger((await w.userOf('teacher2'))._id)).toHaveLength(0);
});

test('the QR code’s public page shows the code only for the right code; other tenants reach no roster', async () => {
  const id = await underWay(['teacher2']);
  const code = (await w.sessionDoc(id))!.signInCode as string;
  const page = await supertest(h.app).get(`/attend/${h.canvas.tenantId}/${id}?code=${code}`);
  expect(page.status).toBe(200);
  expect(pageText(page.text)).toContain(code);
  expect((await supertest(h.app).get(`/attend/${h.canvas.tenantId}/${id}?code=AAAAAA`)).status).toBe(404);
  expect((await supertest(h.app).get(`/attend/${h.moodle.tenantId}/${id}?code=${code}`)).status).toBe(404);
  const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  const t2 = await w.userOf('teacher2');
  expect((await postPairs(moodleStaff, `/sessions/${id}/attendance`, [['seated', String(t2._id)], ['present', String(t2._id)]])).status).toBe(404);
  expect((await w.registrations(id))[0]!.attendance).toBeUndefined();
});
