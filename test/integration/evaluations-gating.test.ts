import { Types } from 'mongoose';
import * as plans from '../../src/plans/service';
import { answersFor, formFields, sessionUnderWay, signIn } from '../support/evaluations';
import { pageText, postPairs } from '../support/forms';
import { Harness, Persona, startHarness } from '../support/harness';
import { sessionsWorld, SessionsWorld } from '../support/sessions';

let h: Harness;
let w: SessionsWorld;
beforeAll(async () => {
  h = await startHarness();
  w = await sessionsWorld(h, h.canvas, ['teacher', 'teacher2', 'teacher3']);
  expect((await w.staff.post('/evaluations/forms/district', formFields())).status).toBe(303);
  const setting = await w.staff.post(`/evaluations/activities/${w.workshopId}/setting`, { use: 'district', requiredForCredit: 'on' });
  expect(setting.status).toBe(303);
});
afterAll(() => h.close());

const ledger = async (p: Persona) => h.db().collection('completionEvents').find({ tenantId: h.canvas.tenantId, source: 'attendance', userId: (await w.userOf(p))._id }).toArray();
const responses = (sessionId: string) => h.db().collection('evaluationresponses').find({ sessionId: new Types.ObjectId(sessionId) }).toArray();
async function planActivity(p: Persona) {
  const plan = await plans.currentPlan(h.canvas.tenantId, (await w.userOf(p))._id);
  return plan!.goals[0]!.activities.find((a) => String(a.activityId) === w.workshopId)!;
}

test('credit waits for the evaluation: attended → not complete → submit → complete once; a second submission is refused', async () => {
  const id = await sessionUnderWay(h, w, ['teacher']);
  const teacher = w.people.teacher!;
  expect((await signIn(w, teacher, id)).status).toBe(303);
  expect(pageText((await teacher.get(`/sessions/${id}?done=signed-in`)).text)).toContain('once you send its evaluation');
  expect(await ledger('teacher')).toHaveLength(0);
  expect(await planActivity('teacher')).toMatchObject({ status: 'not-started' });

  const page = await teacher.get(`/sessions/${id}`);
  expect(page.text).toContain(`/evaluations/sessions/${id}`);
  expect(pageText(page.text)).toContain('Its credit waits for your evaluation');
  const home = await teacher.get('/dashboard');
  expect(pageText(home.text)).toContain('Sessions to evaluate');
  const notice = await h.db().collection('notifications').findOne({ userId: (await w.userOf('teacher'))._id, kind: 'evaluation-asked' });
  expect(notice).toMatchObject({ link: `/evaluations/sessions/${id}` });

  const form = await teacher.get(`/evaluations/sessions/${id}`);
  expect(form.status).toBe(200);
  expect(pageText(form.text)).toContain('once you send this evaluation');

  const sent = await postPairs(teacher, `/evaluations/sessions/${id}`, await answersFor(h, 5));
  expect(sent.status).toBe(303);
  expect(sent.headers.location).toContain('done=credited');
  expect(pageText((await teacher.get(`/evaluations/sessions/${id}?done=credited`)).text)).toContain('now marked done in your plan');
  const events = await ledger('teacher');
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ status: 'applied' });
  expect(await planActivity('teacher')).toMatchObject({ status: 'done', source: 'attendance' });
  expect((await w.registrations(id))[0]!.creditedAt).toBeInstanceOf(Date);

  const again = await postPairs(teacher, `/evaluations/sessions/${id}`, await answersFor(h, 1));
  expect(again.status).toBe(409);
  expect(pageText(again.text)).toContain('already submitted');
  expect(await responses(id)).toHaveLength(1);
  expect((await responses(id))[0]!.answers.find((a: { rating?: number }) => a.rating)!.rating).toBe(5);
  expect(await ledger('teacher')).toHaveLength(1);
  expect(pageText((await teacher.get('/dashboard')).text)).not.toContain('Sessions to evaluate');
});

test('bad answers, a missing CSRF token and people who did not attend are refused, and nothing changes', async () => {
  const id = await sessionUnderWay(h, w, ['teacher2', 'teacher3']);
  const t2 = w.people.teacher2!;
  expect((await signIn(w, t2, id)).status).toBe(303);
  const good = await answersFor(h, 4);

  const missing = await postPairs(t2, `/evaluations/sessions/${id}`, good.slice(1));
  expect(missing.status).toBe(400);
  expect(pageText(missing.text)).toContain('answer the marked questions');
  expect(missing.text).toContain('Useful examples.'); // what they typed stays
  const outOfScale = await postPairs(t2, `/evaluations/sessions/${id}`, good.map(([k, v], i) => [k, i === 0 ? '9' : v]));
  expect(outOfScale.status).toBe(400);
  expect(pageText(outOfScale.text)).toContain('Choose a rating from 1 to 5');
  const madeUp = await postPairs(t2, `/evaluations/sessions/${id}`, good.map(([k, v], i) => [k, i === 5 ? 'Never, obviously' : v]));
  expect(madeUp.status).toBe(400);

  const noCsrf = await t2.launch.agent.post(`/evaluations/sessions/${id}`).type('form').send(new URLSearchParams([...good, ['ltik', t2.ltik]]).toString());
  expect(noCsrf.status).toBe(403);

  // teacher3 registered but did not sign in; teacher was never registered for this session.
  expect((await w.people.teacher3!.get(`/evaluations/sessions/${id}`)).status).toBe(403);
  expect((await postPairs(w.people.teacher3!, `/evaluations/sessions/${id}`, good)).status).toBe(403);
  expect((await postPairs(w.people.teacher!, `/evaluations/sessions/${id}`, good)).status).toBe(403);
  // Another district's PD staff reach nothing.
  const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  expect((await moodleStaff.get(`/evaluations/sessions/${id}/results`)).status).toBe(404);

  expect(await responses(id)).toHaveLength(0);
  expect(await ledger('teacher2')).toHaveLength(0);
  expect(await planActivity('teacher2')).toMatchObject({ status: 'not-started' });
});

test('lifting the requirement credits everyone who was waiting, once', async () => {
  const id = await sessionUnderWay(h, w, ['teacher3']);
  expect((await signIn(w, w.people.teacher3!, id)).status).toBe(303);
  expect(await ledger('teacher3')).toHaveLength(0);
  const teacherTries = await w.people.teacher3!.post(`/evaluations/activities/${w.workshopId}/setting`, { use: 'district' });
  expect(teacherTries.status).toBe(403);
  expect(await ledger('teacher3')).toHaveLength(0);

  const lifted = await w.staff.post(`/evaluations/activities/${w.workshopId}/setting`, { use: 'district' });
  expect(lifted.status).toBe(303);
  expect(lifted.headers.location).toContain('released=2'); // teacher2 of the test above waited too
  expect(pageText((await w.staff.get('/evaluations?done=setting&released=2')).text)).toContain('2 attendances that were waiting for an evaluation were credited');
  expect(await ledger('teacher2')).toHaveLength(1);
  expect(await ledger('teacher3')).toHaveLength(1);
  expect(await planActivity('teacher3')).toMatchObject({ status: 'done' });
  expect((await w.staff.post(`/evaluations/activities/${w.workshopId}/setting`, { use: 'district' })).status).toBe(303);
  expect(await ledger('teacher3')).toHaveLength(1);
  // Credit cannot wait for a form that does not exist.
  const noForm = await w.staff.post(`/evaluations/activities/${w.workshopId}/setting`, { use: 'own', requiredForCredit: 'on' });
  expect(noForm.status).toBe(400);
  expect(pageText(noForm.text)).toContain('does not exist yet');
  expect(await h.db().collection('activityevaluations').findOne({ activityId: new Types.ObjectId(w.workshopId) })).toMatchObject({ use: 'district', requiredForCredit: false });
});

test('a question whose random key is all digits is answered like any other (it read as an array index and was lost)', async () => {
  const forms = h.db().collection('evaluationforms');
  const form = await forms.find({ tenantId: h.canvas.tenantId, scopeKey: 'district' }).sort({ version: -1 }).limit(1).next();
  await forms.updateOne({ _id: form!._id }, { $set: { 'questions.0.key': '123456789012', 'questions.1.key': '000000000042' } });
  const id = await sessionUnderWay(h, w, ['teacher']);
  const teacher = w.people.teacher!;
  expect((await signIn(w, teacher, id)).status).toBe(303);
  const answers = await answersFor(h, 4);
  expect(answers.slice(0, 2).map(([k]) => k)).toEqual(['answers.123456789012', 'answers.000000000042']);

  const missing = await postPairs(teacher, `/evaluations/sessions/${id}`, answers.slice(2));
  expect(missing.status).toBe(400);
  expect(pageText(missing.text)).toContain('answer the marked questions');
  expect(await responses(id)).toHaveLength(0);

  const sent = await postPairs(teacher, `/evaluations/sessions/${id}`, answers);
  expect(sent.status).toBe(303);
  const [stored] = await responses(id);
  expect(stored!.answers.slice(0, 2)).toMatchObject([{ key: '123456789012', rating: 4 }, { key: '000000000042' }]);
});
