import { Types } from 'mongoose';
import * as assessments from '../../src/assessments/service';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText, postPairs } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

// *Add as goal* on the teacher's recommendations, into whatever state their current plan is in.
let h: Harness;
let teacher: Session;
let teacherId: Types.ObjectId;
const tenantId = () => h.canvas.tenantId;
const current = async () => (await plans.currentPlan(tenantId(), teacherId))!;

function answers(levels: Record<string, number>, extra: Record<string, unknown>): Record<string, unknown> {
  const codes = ['PLAN1', 'PLAN2', 'INST1', 'INST2', 'INST3', 'ASMT1', 'ASMT2', 'ASMT3', 'ENV1', 'ENV2', 'GROW1', 'GROW2'];
  return { level: Object.fromEntries(codes.map((c) => [c, String(levels[c] ?? 3)])), target: {}, interests: [], modes: [], timings: [], hoursPerMonth: '3', notes: '', ...extra };
}

async function recommendation(code: string) {
  const recs = await assessments.recommendationsFor(tenantId(), teacherId, { remainingBudget: 1500 });
  return recs.find((r) => r.competency.code === code)!;
}

function addAsGoal(s: Session, code: string, targetLevel: number, activityIds: string[]) {
  return postPairs(s, '/recommendations/goals', [['competency', code], ['targetLevel', String(targetLevel)], ...activityIds.map((id) => ['activityIds', id] as [string, string])]);
}

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
  await catalog.ensureSampleCatalog(tenantId());
  await frameworks.ensureSampleFramework(h.moodle.tenantId);
  await catalog.ensureSampleCatalog(h.moodle.tenantId);
  teacher = await h.launchAs(h.canvas, 'teacher');
  teacherId = (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!._id;
  await assessments.submitAssessment(
    tenantId(),
    teacherId,
    answers({ ASMT1: 1, PLAN1: 2, ENV1: 2 }, { target: { ENV1: '4' }, interests: ['ASMT1', 'INST1'], modes: ['online', 'blended'] }),
    { userId: teacherId, name: 'Maya' },
  );
}, 60_000);
afterAll(() => h.close());

test('when nothing fits, the card shows the nearest matches and which preference to relax', async () => {
  const text = pageText((await teacher.get('/recommendations')).text);
  const env1 = text.slice(text.indexOf('Routines and classroom management'));
  expect(env1).toContain('Preferences to relax');
  expect(env1).toContain('1 activity fits if you also allow in person learning');
  expect(env1).toContain('Nearest matches');
  expect(env1).toContain('Coaching Cycle: Classroom Routines');
  expect(env1).toContain('in person; you chose online or blended');
  // Another level is a near match too, and says so.
  expect(env1).toContain('aimed at Developing (level 2)');
});

test('without a plan, Add as goal starts a draft plan with the goal and confirms it with a link to the goal', async () => {
  expect(await plans.currentPlan(tenantId(), teacherId)).toBeNull();
  const page = await teacher.get('/recommendations');
  expect(pageText(page.text)).toContain('Start my plan with this goal');
  const rec = await recommendation('ASMT1');
  const ids = rec.activities.map((a) => String(a.activity._id));
  const added = await addAsGoal(teacher, 'ASMT1', rec.targetLevel, ids);
  expect(added.status).toBe(303);
  expect(added.headers.location).toMatch(/^\/recommendations\?added=[a-f0-9]{24}&ltik=/);

  const plan = await current();
  expect(plan.status).toBe('draft');
  expect(plan.goals).toHaveLength(1);
  const goal = plan.goals[0]!;
  expect(goal.competency).toBe('ASMT1');
  expect(goal.activities.map((a) => String(a.activityId)).sort()).toEqual([...ids].sort());

  const confirmed = await teacher.get(added.headers.location.replace(/&ltik=.*$/, ''));
  const text = pageText(confirmed.text);
  expect(text).toContain(`Added the goal “Grow in Formative assessment to ${goal.statement.split(' to ')[1]}” with ${ids.length} ${ids.length === 1 ? 'activity' : 'activities'} to your plan.`);
  expect(confirmed.text).toContain(`href="/plans/${plan._id}/goals/${goal._id}?`);
  expect(text).toContain('Open the goal');
  expect(text).toContain('Already a goal in your plan');
  expect(text).toContain('Add as goal');
});

test('a forged competency or another district’s activity is refused with the page kept, and nothing is saved', async () => {
  const before = await current();
  const bad = await addAsGoal(teacher, 'NOPE', 2, []);
  expect(bad.status).toBe(400);
  expect(pageText(bad.text)).toContain('That competency is not in your district’s framework; nothing was saved.');
  expect(pageText(bad.text)).toContain('Nearest matches');

  const elsewhere = (await catalog.listActivities(h.moodle.tenantId))[0]!;
  const rec = await recommendation('PLAN1');
  const mine = String(rec.activities[0]!.activity._id);
  const foreign = await addAsGoal(teacher, 'PLAN1', rec.targetLevel, [mine, String(elsewhere._id)]);
  expect(foreign.status).toBe(400);
  expect(pageText(foreign.text)).toContain('An activity you chose is not in your district’s catalog; nothing was saved.');
  // The ticks the teacher made are still there.
  expect(foreign.text).toMatch(new RegExp(`name="activityIds" value="${mine}" checked`));
  expect((await current()).goals).toHaveLength(before.goals.length);

  const noToken = await teacher.launch.agent.post('/recommendations/goals').type('form').send({ ltik: teacher.ltik, competency: 'PLAN1', targetLevel: '3' });
  expect(noToken.status).toBe(403);
  expect((await current()).goals).toHaveLength(before.goals.length);
});

test('at the goal cap the page says why instead of offering the button, and a forced post is refused', async () => {
  const plan = await current();
  const targetDate = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
  for (let i = plan.goals.length; i < plans.MAX_GOALS; i++) {
    await plans.addGoal(tenantId(), plan._id, { statement: `Goal number ${i + 1} for this year`, competency: 'GROW2', targetLevel: '3', measure: 'Done', targetDate }, { userId: teacherId, name: 'Maya' });
  }
  const page = pageText((await teacher.get('/recommendations')).text);
  expect(page).toContain('Your plan already has 5 goals, the most allowed: remove one before adding another.');
  expect(page).not.toContain('Add as goal');
  const refused = await addAsGoal(teacher, 'PLAN1', 3, []);
  expect(refused.status).toBe(409);
  expect(pageText(refused.text)).toContain('Your plan already has 5 goals');
  expect((await current()).goals).toHaveLength(plans.MAX_GOALS);
  await plans.removeGoal(tenantId(), plan._id, (await current()).goals[4]!._id, { userId: teacherId, name: 'Maya' });
});

test('on an approved plan the goal is proposed as a change; while changes wait for approval it is refused', async () => {
  const plan = await current();
  await h.db().collection('plans').updateOne({ _id: plan._id }, { $set: { status: 'active' } });
  expect(pageText((await teacher.get('/recommendations')).text)).toContain('Propose as a new goal');
  const rec = await recommendation('PLAN1');
  const added = await addAsGoal(teacher, 'PLAN1', rec.targetLevel, [String(rec.activities[0]!.activity._id)]);
  expect(added.status).toBe(303);
  const saved = await current();
  expect(saved.goals).toHaveLength(plans.MAX_GOALS - 1); // the approved goals stay as they were
  expect(saved.change?.changes.map((c) => c.kind)).toEqual(['add-goal']);
  const confirmed = await teacher.get(added.headers.location.replace(/&ltik=.*$/, ''));
  expect(pageText(confirmed.text)).toContain('You proposed the goal “Grow in Unit and lesson design');
  expect(pageText(confirmed.text)).toContain('as a change to your approved plan. It waits until you send your changes for approval');
  expect(confirmed.text).toMatch(new RegExp(`href="/plans/${plan._id}\\?ltik=[^"]+#proposal-title"`));

  await h.db().collection('plans').updateOne({ _id: plan._id }, { $set: { 'change.status': 'submitted' } });
  const page = pageText((await teacher.get('/recommendations')).text);
  expect(page).toContain('Your proposed changes are waiting for approval');
  const refused = await addAsGoal(teacher, 'INST1', 3, []);
  expect(refused.status).toBe(409);
  expect((await current()).change?.changes).toHaveLength(1);
});
