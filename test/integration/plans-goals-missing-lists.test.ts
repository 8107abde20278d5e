import mongoose from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import { Harness, Session, startHarness } from '../support/harness';

// Plans written while a PD-staff console view could strip goals' reflections and feedback (README, Changelog).
let h: Harness;
let teacher: Session;
let lead: Session;
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);
const goalForm = (statement: string) => ({ statement, competency: 'PLAN1', targetLevel: '3', measure: 'Unit plans start from goals', targetDate: inMonths(10) });
const rawPlans = () => mongoose.connection.collection('plans');

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(h.canvas.tenantId);
  await catalog.ensureSampleCatalog(h.canvas.tenantId, { lmsCourseIds: [h.canvas.course.id] });
  teacher = await h.launchAs(h.canvas, 'teacher');
  lead = await h.launchAs(h.canvas, 'pdlead');
}, 60_000); // a harness and full OIDC launches; slow when the two cores are shared
afterAll(() => h.close());

test('goals that lost their reflections and feedback lists open, and the next change stores them again', async () => {
  const planId = /\/plans\/([a-f0-9]{24})/.exec((await teacher.post('/plan')).headers.location!)![1]!;
  expect((await teacher.post(`/plans/${planId}/goals`, goalForm('Plan lessons backwards from goals'))).status).toBe(303);
  const _id = new mongoose.Types.ObjectId(planId);
  await rawPlans().updateOne({ _id }, { $unset: { 'goals.$[].reflections': '' } });
  await rawPlans().updateOne({ _id }, { $unset: { 'goals.$[].feedback': '' } });
  const damaged = await rawPlans().findOne({ _id });
  expect(damaged!.goals[0]).not.toHaveProperty('reflections');
  const goalId = String(damaged!.goals[0]._id);

  const goal = await teacher.get(`/plans/${planId}/goals/${goalId}`);
  expect(goal.status).toBe(200);
  expect(goal.text).toContain('Plan lessons backwards from goals');
  expect((await teacher.get(`/plans/${planId}`)).status).toBe(200);
  expect((await lead.get(`/plans/${planId}/goals/${goalId}`)).status).toBe(200);
  expect((await lead.get('/staff')).status).toBe(200);

  expect((await teacher.post(`/plans/${planId}/goals`, goalForm('Use exit tickets every week'))).status).toBe(303);
  const repaired = await rawPlans().findOne({ _id });
  expect(repaired!.goals.map((g: { reflections?: unknown; feedback?: unknown }) => [g.reflections, g.feedback])).toEqual([[[], []], [[], []]]);
});
