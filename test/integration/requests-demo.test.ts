import { demoRoster } from '../../src/demo/platform';
import { seedDemoTenant } from '../../src/demo/seed';
import * as audit from '../../src/audit/service';
import * as notices from '../../src/notifications/service';
import * as plans from '../../src/plans/service';
import { registerAllReactions } from '../../src/reactions';
import * as requests from '../../src/requests/service';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { useTestDatabase } from '../support/db';

let db: { stop(): Promise<void> };
beforeAll(async () => {
  registerAllReactions();
  db = await useTestDatabase();
});
afterAll(() => db.stop());

test('the demo seed gives a Title II budget, teacher2 an approved conference awaiting proof and a course awaiting PD staff, once', async () => {
  const demo = await tenants.upsertTenant({ issuer: 'https://demo-requests.example', clientId: 'demo', name: 'Demo district', family: 'moodle', deploymentIds: ['1'], source: 'demo' });
  const district = { flavor: 'moodle' as const, roster: demoRoster('moodle') };
  await seedDemoTenant(demo._id, district);
  await seedDemoTenant(demo._id, district);

  const [budget, ...more] = await requests.listBudgets(demo._id);
  expect(more).toHaveLength(0);
  expect(budget).toMatchObject({ name: 'Title II, Part A', schoolYear: requests.schoolYearOf(new Date()), amount: 25000, committed: 915, paid: 0, balance: 24085 });

  const teacher2 = (await users.findBySub(demo._id, district.roster.users.teacher2!.sub))!;
  const [course, conference, ...none] = await requests.requestsOf(demo._id, teacher2._id);
  expect(none).toHaveLength(0);
  expect(conference).toMatchObject({ title: 'Midwest Assessment for Learning Conference', status: 'approved', committed: 915, stepIndex: 1 });
  expect(conference!.history.map((h) => h.action)).toEqual(['submitted', 'approved-step', 'approved']);
  const plan = (await plans.currentPlan(demo._id, teacher2._id))!;
  expect(plan.goals.flatMap((g) => g.activities).find((a) => a._id.equals(conference!.planActivityId!))).toMatchObject({ title: conference!.title, cost: 915 });
  expect(course).toMatchObject({ title: 'Feedback That Moves Learning Forward', status: 'in-approval', stepIndex: 0, committed: 0 });

  // Teacher2 was told of the approval (PD staff hold their role only from their first launch: the queue shows them the rest).
  expect((await notices.recent(demo._id, teacher2._id)).map((n) => n.kind)).toContain('request.approved');
  const trail = await audit.history(demo._id, { kind: 'outside-request', id: conference!._id });
  expect(trail.map((e) => e.action).sort()).toEqual(['request.approve', 'request.approve', 'request.submitted']);
});
