import * as plans from '../../src/plans/service';
import { formFields, sessionUnderWay, signIn } from '../support/evaluations';
import { pageText, postPairs } from '../support/forms';
import { Harness, Persona, startHarness } from '../support/harness';
import { sessionsWorld, SessionsWorld } from '../support/sessions';

let h: Harness;
let w: SessionsWorld;
beforeAll(async () => {
  h = await startHarness();
  w = await sessionsWorld(h, h.canvas, ['teacher', 'teacher2']);
  expect((await w.staff.post('/evaluations/forms/district', formFields())).status).toBe(303);
  expect((await w.staff.post(`/evaluations/activities/${w.workshopId}/setting`, { use: 'district', requiredForCredit: 'on' })).status).toBe(303);
});
afterAll(() => h.close());

const ledger = async (p: Persona) => h.db().collection('completionEvents').find({ tenantId: h.canvas.tenantId, source: 'attendance', userId: (await w.userOf(p))._id }).toArray();
async function planActivity(p: Persona) {
  const plan = await plans.currentPlan(h.canvas.tenantId, (await w.userOf(p))._id);
  return plan!.goals[0]!.activities.find((a) => String(a.activityId) === w.workshopId)!;
}
const rosterRow = async (id: string, p: Persona) => {
  const text = pageText((await w.staff.get(`/sessions/${id}/roster`)).text);
  const name = (await w.userOf(p)).name;
  return text.slice(text.indexOf(name), text.indexOf(name) + 200);
};

test('the roster says whose credit waits for the evaluation, and a crediting that failed is retried by the next attendance', async () => {
  const id = await sessionUnderWay(h, w, ['teacher', 'teacher2']);
  expect((await signIn(w, w.people.teacher!, id)).status).toBe(303);
  expect(await rosterRow(id, 'teacher')).toContain('Present, credit waits for the evaluation');
  expect(await ledger('teacher')).toHaveLength(0);

  // The evaluation was stored, then the process stopped before crediting it (what submitEvaluation leaves behind).
  const teacher = await w.userOf('teacher');
  const form = await h.db().collection('evaluationforms').findOne({ scopeKey: 'district' });
  const registration = (await w.registrations(id)).find((r) => r.userId.equals(teacher._id))!;
  await h.db().collection('evaluationresponses').insertOne({ tenantId: h.canvas.tenantId, sessionId: registration.sessionId, activityId: registration.activityId, formId: form!._id, formVersion: form!.version, userId: teacher._id, answers: [], createdAt: new Date() });
  expect(await rosterRow(id, 'teacher')).toContain('Present, not credited yet: save attendance to try again');

  // The next attendance of the session credits it; the one signing in now waits for their own evaluation.
  expect((await signIn(w, w.people.teacher2!, id)).status).toBe(303);
  expect(await ledger('teacher')).toHaveLength(1);
  expect(await planActivity('teacher')).toMatchObject({ status: 'done', source: 'attendance' });
  expect(await rosterRow(id, 'teacher')).toContain('Credited');
  expect(await rosterRow(id, 'teacher2')).toContain('Present, credit waits for the evaluation');
  expect(await ledger('teacher2')).toHaveLength(0);

  // Saving the roster again credits nothing twice.
  const [t1, t2] = [teacher._id, (await w.userOf('teacher2'))._id].map(String);
  expect((await postPairs(w.staff, `/sessions/${id}/attendance`, [['seated', t1!], ['present', t1!], ['seated', t2!], ['present', t2!]])).status).toBe(303);
  expect(await ledger('teacher')).toHaveLength(1);
  expect(await ledger('teacher2')).toHaveLength(0);
});
