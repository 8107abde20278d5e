import { Types } from 'mongoose';
import * as users from '../../src/users/service';
import { answersFor, formFields, sessionUnderWay, signIn } from '../support/evaluations';
import { pageText, postPairs } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';
import { sessionsWorld, SessionsWorld } from '../support/sessions';

let h: Harness;
let w: SessionsWorld;
let facilitator: Session;
let theirs: string;
let other: string;
beforeAll(async () => {
  h = await startHarness();
  w = await sessionsWorld(h, h.canvas, ['teacher', 'teacher2', 'teacher3']);
  facilitator = await h.launchAs(h.canvas, 'coach');
  const coach = await w.userOf('coach');
  await users.changeGrant(h.canvas.tenantId, [coach._id], { grant: 'facilitator', change: 'add' }, { userId: coach._id, name: 'test' });
  facilitator = await h.launchAs(h.canvas, 'coach');
  expect((await w.staff.post('/evaluations/forms/district', formFields())).status).toBe(303);
  theirs = await sessionUnderWay(h, w, ['teacher', 'teacher2', 'teacher3'], { facilitatorIds: String(coach._id) });
  other = await sessionUnderWay(h, w, ['teacher']);
  expect((await signIn(w, w.people.teacher!, other)).status).toBe(303); // attended, never answers
});
afterAll(() => h.close());

async function answer(p: 'teacher' | 'teacher2' | 'teacher3', id: string, rating: number, comment: string) {
  expect((await signIn(w, w.people[p]!, id)).status).toBe(303);
  expect((await postPairs(w.people[p]!, `/evaluations/sessions/${id}`, await answersFor(h, rating, comment))).status).toBe(303);
}

test('anonymous to facilitators: nothing shown below three responses, then answers without names; PD staff see names', async () => {
  await answer('teacher', theirs, 5, 'Loved the exit-ticket examples');
  await answer('teacher2', theirs, 3, 'Too fast for me');
  const early = await facilitator.get(`/evaluations/sessions/${theirs}/results`);
  expect(early.status).toBe(200);
  expect(pageText(early.text)).toMatch(/100% ?: 2 of 2 attendees responded/);
  expect(pageText(early.text)).toContain('shown once 3 people have responded');
  expect(early.text).not.toContain('Too fast for me');
  expect((await facilitator.get(`/evaluations/sessions/${theirs}/results.csv`)).status).toBe(409);

  await answer('teacher3', theirs, 4, 'More practice time please');
  const page = await facilitator.get(`/evaluations/sessions/${theirs}/results`);
  const text = pageText(page.text);
  expect(text).toMatch(/100% ?: 3 of 3 attendees responded/);
  expect(text).toContain('Average 4.00 of 5');
  expect(text).toContain('Too fast for me');
  expect(text).toContain('Answers are anonymous');
  for (const p of ['teacher', 'teacher2', 'teacher3'] as const) expect(text).not.toContain((await w.userOf(p)).name);
  expect(page.text).toContain('id="report-charts"');
  expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
  const charts = JSON.parse(/data-charts="([^"]*)"/.exec(page.text)![1]!.replace(/&#34;/g, '"').replace(/&quot;/g, '"'));
  expect(charts[0]).toMatchObject({ type: 'bar', labels: ['1', '2', '3', '4', '5'], datasets: [{ data: [0, 0, 1, 1, 1] }] });

  const csv = await facilitator.get(`/evaluations/sessions/${theirs}/results.csv`);
  expect(csv.status).toBe(200);
  expect(csv.headers['content-type']).toContain('text/csv');
  expect(csv.text.split('\n')[0]).not.toContain('Name');
  expect(csv.text).toContain('More practice time please');
  expect(csv.text).not.toContain((await w.userOf('teacher')).name);

  const staffPage = pageText((await w.staff.get(`/evaluations/sessions/${theirs}/results`)).text);
  expect(staffPage).toContain(`— ${(await w.userOf('teacher2')).name}`);
  expect((await w.staff.get(`/evaluations/sessions/${theirs}/results.csv`)).text.split('\n')[0]).toContain('Name');

  expect((await w.staff.post('/evaluations/settings', { anonymousToFacilitators: 'on', anonymousToStaff: 'on' })).status).toBe(303);
  expect(pageText((await w.staff.get(`/evaluations/sessions/${theirs}/results`)).text)).not.toContain((await w.userOf('teacher2')).name);
  expect((await w.staff.post('/evaluations/settings', {})).status).toBe(303);
  expect(pageText((await facilitator.get(`/evaluations/sessions/${theirs}/results`)).text)).toContain(`— ${(await w.userOf('teacher2')).name}`);
  expect((await w.staff.post('/evaluations/settings', { anonymousToFacilitators: 'on' })).status).toBe(303);
});

test('facilitators see only their sessions; teachers see nobody’s answers, not even a list', async () => {
  expect((await facilitator.get(`/evaluations/sessions/${other}/results`)).status).toBe(403);
  expect((await facilitator.get(`/evaluations/sessions/${other}/results.csv`)).status).toBe(403);
  const list = await facilitator.get('/evaluations/results');
  expect(list.text).toContain(`/evaluations/sessions/${theirs}/results`);
  expect(list.text).not.toContain(`/evaluations/sessions/${other}/results`);
  expect((await facilitator.get('/evaluations/efficacy')).status).toBe(403);
  expect((await facilitator.get('/evaluations')).status).toBe(403);
  expect((await facilitator.post('/evaluations/forms/district', formFields('Hijacked'))).status).toBe(403);

  const teacher = w.people.teacher!;
  for (const path of [`/evaluations/sessions/${theirs}/results`, `/evaluations/sessions/${theirs}/results.csv`, `/evaluations/activities/${w.workshopId}/results`, '/evaluations/results', '/evaluations/efficacy', '/evaluations/efficacy.csv']) {
    expect((await teacher.get(path)).status).toBe(403);
  }
  // Their own page shows what they did, never anyone's answers.
  const own = await teacher.get(`/evaluations/sessions/${theirs}`);
  expect(pageText(own.text)).toContain('You sent your evaluation');
  expect(own.text).not.toContain('Too fast for me');
  expect(own.text).not.toContain('Loved the exit-ticket examples');
});

test('editing an answered form makes a new version; old results keep their questions', async () => {
  const before = await h.db().collection('evaluationforms').find({ scopeKey: 'district' }).toArray();
  expect(before).toHaveLength(1);
  expect(before[0]).toMatchObject({ answered: true, version: 1 });
  const fields = formFields('Session evaluation (short)');
  before[0]!.questions.forEach((q: { key: string }, i: number) => (fields[`questions.${i}.key`] = q.key));
  fields['questions.1.remove'] = 'on';
  const saved = await w.staff.post('/evaluations/forms/district', fields);
  expect(saved.status).toBe(303);
  expect(saved.headers.location).toContain('done=version');
  const after = await h.db().collection('evaluationforms').find({ scopeKey: 'district' }).sort({ version: 1 }).toArray();
  expect(after.map((f) => [f.version, f.questions.length])).toEqual([[1, 7], [2, 6]]);
  expect(after[0]!.title).toBe('Session evaluation');
  const results = pageText((await w.staff.get(`/evaluations/sessions/${theirs}/results`)).text);
  expect(results).toContain('How would you rate the quality of the session?');

  const bad = await w.staff.post('/evaluations/forms/district', { ...formFields(''), 'questions.0.kind': 'single', 'questions.0.options': 'Only' });
  expect(bad.status).toBe(400);
  expect(pageText(bad.text)).toContain('Give the form a title');
  expect(await h.db().collection('evaluationforms').countDocuments({ scopeKey: 'district' })).toBe(2);
});

test('the activity results and the efficacy report (PD staff), with follow-through counted from reflections', async () => {
  const activity = pageText((await w.staff.get(`/evaluations/activities/${w.workshopId}/results`)).text);
  expect(activity).toContain('3 of 4 attendees responded over 2 sessions');
  const report = await w.staff.get('/evaluations/efficacy');
  expect(report.status).toBe(200);
  const text = pageText(report.text);
  expect(text).toContain('Whole district');
  expect(text).toMatch(/Satisfaction \(of 5\)/);
  const csv = (await w.staff.get('/evaluations/efficacy.csv')).text.split('\n');
  expect(csv[0]).toContain('Reflected afterwards');
  expect(csv.find((l) => l.startsWith('Whole district'))).toContain('75%');
  expect(await h.db().collection('evaluationresponses').countDocuments({ sessionId: new Types.ObjectId(theirs) })).toBe(3);
});
