import * as frameworks from '../../src/frameworks/service';
import { Plan } from '../../src/plans/model';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

let h: Harness;
let teacher: Session;
let planId: string;
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);
const goalForm = (statement: string, rule: Record<string, string>) => ({ statement, competency: 'PLAN1', targetLevel: '3', measure: 'Unit plans start from goals', targetDate: inMonths(10), ...rule });

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(h.canvas.tenantId);
  teacher = await h.launchAs(h.canvas, 'teacher');
  expect((await teacher.post('/plan')).status).toBe(303);
  const me = (await users.findBySub(h.canvas.tenantId, h.canvas.users.teacher.sub))!;
  planId = String((await plans.currentPlan(h.canvas.tenantId, me._id))!._id);
}, 120_000);
afterAll(() => h.close());

test('completion rules and what stops a submission read as English for one and for many', async () => {
  const rules = [
    ['Goal with one of its activities', { ruleKind: 'n-of-m', ruleN: '1' }],
    ['Goal with two of its activities', { ruleKind: 'n-of-m', ruleN: '2' }],
    ['Goal with one hour', { ruleKind: 'hours', ruleHours: '1' }],
    ['Goal with many hours', { ruleKind: 'hours', ruleHours: '2.5' }],
  ] as const;
  for (const [statement, rule] of rules) expect((await teacher.post(`/plans/${planId}/goals`, goalForm(statement, rule))).status).toBe(303);
  const text = pageText((await teacher.get(`/plans/${planId}`)).text);
  expect(text).toContain('Complete when 1 of its activities is done');
  expect(text).toContain('Complete when 2 of its activities are done');
  expect(text).toContain('Complete after 1 hour of activities');
  expect(text).toContain('Complete after 2.5 hours of activities');
  expect(text).toContain('Goal 1 asks for 1 activity but lists 0 activities.');
  expect(text).toContain('Goal 2 asks for 2 activities but lists 0 activities.');
  expect(text).toContain('Goal 3 asks for 1 hour but its activities add up to fewer.');
  expect(text).toContain('Goal 4 asks for 2.5 hours but its activities add up to fewer.');
});

test('money keeps its cents: a $217.50 activity reads $217.50 in the plan and $108.75 a year over two years', async () => {
  const goalId = String((await plans.getPlan(h.canvas.tenantId, planId)).goals[0]!._id);
  expect((await teacher.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: 'Coaching institute', hours: '1.5', cost: '217.5', required: 'on' })).status).toBe(303);
  const text = pageText((await teacher.get(`/plans/${planId}`)).text);
  expect(text).toContain('Planned in total: 1.5 h and $217.50 over 2 years.');
  expect(text).toMatch(/Cost per year Within Planned \$108\.75 District rule [^$]*\$1,500\.00/);
});

test('a completed goal takes no more activities: the form says so, keeps what was typed and the goal stays as it was', async () => {
  expect((await teacher.post(`/plans/${planId}/goals`, goalForm('Goal completed before more work', { ruleKind: 'n-of-m', ruleN: '1' }))).status).toBe(303);
  const goal = (await plans.getPlan(h.canvas.tenantId, planId)).goals.at(-1)!;
  const goalId = String(goal._id);
  expect((await teacher.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: 'Lesson study', hours: '2', cost: '0' })).status).toBe(303);
  // the activity completed in the LMS while the plan was still a draft (sync applies to drafts too)
  await Plan.updateOne({ tenantId: h.canvas.tenantId, _id: planId, 'goals._id': goal._id }, { $set: { 'goals.$.status': 'completed', 'goals.$.progress': 1, 'goals.$.completedAt': new Date(), 'goals.$.activities.0.status': 'done' } });
  const done = (await plans.getPlan(h.canvas.tenantId, planId)).goals.at(-1)!;
  expect(done.status).toBe('completed');

  const refused = await teacher.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: 'Second conference', hours: '6', cost: '300' });
  expect(refused.status).toBe(400);
  expect(pageText(refused.text)).toContain('This goal is already completed, so nothing was added');
  expect(refused.text).toContain('value="Second conference"');
  const after = (await plans.getPlan(h.canvas.tenantId, planId)).goals.at(-1)!;
  expect(after.activities.map((a) => a.title)).toEqual(['Lesson study']);
  expect([after.status, after.progress]).toEqual(['completed', 1]);
  const page = (await teacher.get(`/plans/${planId}/goals/${goalId}`)).text;
  expect(page).not.toContain(`/goals/${goalId}/activities/new`);
});
