import * as catalog from '../../src/catalog/service';
import * as credentials from '../../src/credentials/service';
import * as frameworks from '../../src/frameworks/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

// Wherever a person reads a competency they read its name from their district's framework, not its code.
let h: Harness;
let teacher: Session;
let staff: Session;
let planId: string;
let goalId: string;
let teamGoalId: string;
const tenantId = () => h.canvas.tenantId;
const CODE = /\b(PLAN|INST|ASMT|ENV|GROW)\d\b/;
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
  await catalog.ensureSampleCatalog(tenantId());
  await credentials.ensureSampleAchievements(tenantId());
  teacher = await h.launchAs(h.canvas, 'teacher');
  staff = await h.launchAs(h.canvas, 'pdlead');
  await h.launchAs(h.canvas, 'teacher2');
  const [me, colleague] = await Promise.all([users.findBySub(tenantId(), h.canvas.users.teacher.sub), users.findBySub(tenantId(), h.canvas.users.teacher2.sub)]);
  const by = { userId: me!._id, name: me!.name };
  const plan = await plans.ensureDraftPlan(tenantId(), me!._id, by);
  const goal = await plans.addGoal(tenantId(), plan._id, { statement: 'Check understanding in every lesson', competency: 'ASMT1', targetLevel: '3', measure: 'Exit tickets', targetDate: inMonths(12) }, by);
  const team = await plans.createGroupGoal(tenantId(), by, { statement: 'Our team asks better questions', competency: 'INST1', targetLevel: '3', measure: 'Peer visits', targetDate: inMonths(10), memberIds: [String(colleague!._id)] });
  [planId, goalId, teamGoalId] = [String(plan._id), String(goal._id), String(team._id)];
}, 60_000);
afterAll(() => h.close());

test('the teacher reads competency names on the plan, the goal, the team goal and the record', async () => {
  for (const path of [`/plans/${planId}`, `/plans/${planId}/goals/${goalId}`, '/my-record']) {
    const text = pageText((await teacher.get(path)).text);
    expect({ path, named: text.includes('Formative assessment') }).toEqual({ path, named: true });
    expect({ path, code: CODE.exec(text)?.[0] }).toEqual({ path, code: undefined });
  }
  const team = pageText((await teacher.get(`/team-goals/${teamGoalId}`)).text);
  expect(team).toContain('Questioning and discussion');
  expect(team).not.toMatch(CODE);
  const record = (await teacher.get('/my-record.json')).body;
  expect(record.plans[0].goals[0]).toMatchObject({ competency: 'Formative assessment', competencyCode: 'ASMT1' });
});

test('PD staff read names in the achievements list and the report charts; the CSV keeps the code beside the name', async () => {
  const achievements = await credentials.listAchievements(tenantId());
  const aligned = achievements.find((a) => a.competencies.length)!;
  const fw = await frameworks.competenciesByCode(tenantId());
  const list = pageText((await staff.get('/achievements')).text);
  expect(list).toContain(fw.get(aligned.competencies[0]!)!.name);
  expect(list).not.toMatch(CODE);

  const reports = await staff.get('/reports');
  const charts = /data-charts="([^"]*)"/.exec(reports.text)![1]!.replace(/&#34;/g, '"').replace(/&quot;/g, '"');
  expect(charts).toContain('Formative assessment');
  expect(charts).not.toMatch(/"labels":\[[^\]]*"(PLAN|INST|ASMT|ENV|GROW)\d"/);

  const csv = await staff.get('/reports/competencies.csv');
  expect(csv.text.split('\n')[0]).toMatch(/^"?Code"?,"?Competency"?/);
  expect(csv.text).toMatch(/ASMT1"?,"?Formative assessment/);
});
