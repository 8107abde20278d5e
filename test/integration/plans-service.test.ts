import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import { demoRoster } from '../../src/demo/platform';
import { seedDemoTenant } from '../../src/demo/seed';
import { DomainEvents, on } from '../../src/events';
import * as frameworks from '../../src/frameworks/service';
import * as notices from '../../src/notifications/service';
import * as plans from '../../src/plans/service';
import { registerAllReactions } from '../../src/reactions';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { useTestDatabase } from '../support/db';

type Id = Types.ObjectId;
let db: { stop(): Promise<void> };
let tenantId: Id;
const events: { name: keyof DomainEvents; payload: Record<string, unknown> }[] = [];
const activity: Record<string, catalog.ActivityDoc> = {};

beforeAll(async () => {
  registerAllReactions();
  db = await useTestDatabase();
  const tenant = await tenants.upsertTenant({ issuer: 'https://plans.example', clientId: 'plans', name: 'Plans district', family: 'canvas', deploymentIds: ['1'], source: 'cli' });
  tenantId = tenant._id;
  await frameworks.ensureSampleFramework(tenantId);
  await catalog.ensureSampleCatalog(tenantId, { lmsCourseIds: ['4101', '4102'] });
  for (const a of await catalog.listActivities(tenantId)) activity[a.title] = a;
  for (const name of ['activity.completed', 'goal.progress', 'goal.completed', 'plan.progress', 'plan.status'] as const) {
    on(name, async (payload) => void events.push({ name, payload: payload as unknown as Record<string, unknown> }));
  }
});
afterAll(() => db.stop());

const byTitle = (part: string) => Object.values(activity).find((a) => a.title.toLowerCase().includes(part.toLowerCase()))!;
const lmsCourse = () => Object.values(activity).find((a) => a.kind === 'lms-course' && !a.certificateRequired)!;
const certCourse = () => Object.values(activity).find((a) => a.kind === 'lms-course' && a.certificateRequired)!;
const freeWorkshop = () => Object.values(activity).find((a) => a.kind === 'workshop' && a.cost === 0 && !a.certificateRequired)!;

async function teacher(name: string) {
  const u = await users.ensurePerson(tenantId, { name, email: `${name.toLowerCase().replace(/\W/g, '')}@plans.example` });
  return { userId: u._id, name };
}

function inAYear(): string {
  return new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
}

function goalForm(competency: string, extra: Record<string, unknown> = {}) {
  return { statement: 'Use exit tickets in every lesson to adjust teaching', competency, targetLevel: '3', measure: 'Exit tickets in 4 of 5 lessons', targetDate: inAYear(), ...extra };
}

/** A plan with one goal holding the given catalog activities, submitted and approved. */
async function activePlan(who: { userId: Id; name: string }, activities: catalog.ActivityDoc[], goal: Record<string, unknown> = {}) {
  const plan = await plans.ensureDraftPlan(tenantId, who.userId, who);
  const g = await plans.addGoal(tenantId, plan._id, goalForm(activities[0]!.competencies[0]!, goal), who);
  for (const a of activities) await plans.addCatalogActivity(tenantId, plan._id, g._id, { activityId: String(a._id) }, who);
  await plans.addCustomActivity(tenantId, plan._id, g._id, { title: 'Peer observation rounds', hours: '40', cost: '0', required: '' }, who);
  await plans.setCommitment(tenantId, plan._id, { agreed: 'on', text: 'Two hours every other week after school' }, who);
  await plans.submitPlan(tenantId, plan._id, who);
  const approver = await teacher('Principal Approver');
  await plans.decidePlan(tenantId, plan._id, { decision: 'approve', comment: '' }, approver);
  return { plan: await plans.getPlan(tenantId, plan._id), goalId: g._id };
}

test('concurrent ensureDraftPlan calls create exactly one current plan', async () => {
  const t = await teacher('Concurrent Teacher');
  const results = await Promise.all(Array.from({ length: 6 }, () => plans.ensureDraftPlan(tenantId, t.userId, t)));
  expect(new Set(results.map((p) => String(p._id))).size).toBe(1);
  expect(await plans.planHistory(tenantId, t.userId)).toHaveLength(1);
  const plan = results[0]!;
  const months = (plan.periodEnd.getUTCFullYear() - plan.periodStart.getUTCFullYear()) * 12 + plan.periodEnd.getUTCMonth() - plan.periodStart.getUTCMonth();
  expect(months).toBe(24);
});

test('an over-cap plan is refused at submit with the cap named; a sixth goal is refused', async () => {
  const t = await teacher('Over Cap');
  const plan = await plans.ensureDraftPlan(tenantId, t.userId, t);
  const goal = await plans.addGoal(tenantId, plan._id, goalForm('ASMT1'), t);
  await plans.addCustomActivity(tenantId, plan._id, goal._id, { title: 'Expensive summer institute', hours: '60', cost: '5000' }, t);
  await plans.setCommitment(tenantId, plan._id, { agreed: 'on', text: 'Summer weeks and two evenings a month' }, t);
  await expect(plans.submitPlan(tenantId, plan._id, t)).rejects.toThrow(/over the cost cap of \$1,500\.00 a year by \$1,000\.00/);
  expect((await plans.getPlan(tenantId, plan._id)).status).toBe('draft');
  for (let i = 0; i < 4; i++) await plans.addGoal(tenantId, plan._id, goalForm('PLAN1'), t);
  await expect(plans.addGoal(tenantId, plan._id, goalForm('PLAN1'), t)).rejects.toThrow(/at most 5 goals/);
  expect((await plans.getPlan(tenantId, plan._id)).goals).toHaveLength(5);
});

test('completions are monotonic and idempotent: duplicates and older events change nothing, goals complete once', async () => {
  const t = await teacher('Sync Teacher');
  const other = await teacher('Other Teacher');
  const course = lmsCourse();
  const { plan, goalId } = await activePlan(t, [course, freeWorkshop()]);
  await plans.addAssignedGoal(tenantId, t.userId, {
    assignmentKey: 'a-sync-1',
    statement: 'District formative assessment pathway',
    rule: { kind: 'all' },
    pathway: { id: new Types.ObjectId(), version: 1, title: 'Formative pathway' },
    activities: [{ activityId: course._id, required: true }],
    achievementId: new Types.ObjectId(),
  });
  await approveChanges(plan._id); // assigned into an approved plan: in force once approved
  const otherPlan = await activePlan(other, [course]);
  events.length = 0;

  const first = new Date('2026-03-01T10:00:00Z');
  const applied = await plans.applyActivityCompletion(tenantId, { userId: t.userId, activityId: course._id, completedAt: first, source: 'lms', eventId: new Types.ObjectId() });
  expect(applied.applied).toHaveLength(2); // the teacher's own goal and the assigned pathway goal
  expect(applied.notInPlan).toBe(false);
  expect(events.filter((e) => e.name === 'goal.completed')).toHaveLength(1); // the assigned goal (one activity) completes
  expect(events.find((e) => e.name === 'goal.completed')!.payload.pathwayId).toBeDefined();

  const again = await plans.applyActivityCompletion(tenantId, { userId: t.userId, activityId: course._id, completedAt: first, source: 'lms' });
  const older = await plans.applyActivityCompletion(tenantId, { userId: t.userId, activityId: course._id, completedAt: new Date('2025-01-01T00:00:00Z'), source: 'csv' });
  expect(again).toMatchObject({ applied: [], alreadyDone: 2 });
  expect(older).toMatchObject({ applied: [], alreadyDone: 2 });
  expect(events.filter((e) => e.name === 'goal.completed')).toHaveLength(1);

  const saved = await plans.getPlan(tenantId, plan._id);
  const done = plans.findGoal(saved, goalId).activities.find((a) => a.activityId?.equals(course._id))!;
  expect(done).toMatchObject({ status: 'done', source: 'lms', completedAt: first });
  expect((await plans.getPlan(tenantId, otherPlan.plan._id)).goals[0]!.activities.every((a) => a.status === 'not-started')).toBe(true);
  expect(await plans.applyActivityCompletion(tenantId, { userId: t.userId, activityId: new Types.ObjectId(), completedAt: first, source: 'lms' })).toMatchObject({ notInPlan: true, applied: [] });
  const celebrations = (await notices.recent(tenantId, t.userId)).filter((n) => n.kind === 'goal.completed');
  expect(celebrations).toHaveLength(1);
  expect(celebrations[0]!.celebrate).toBe(true);
});

test('a certificate-required activity waits for an approver to verify evidence', async () => {
  const t = await teacher('Certificate Teacher');
  const course = certCourse();
  const { plan, goalId } = await activePlan(t, [course]);
  await plans.applyActivityCompletion(tenantId, { userId: t.userId, activityId: course._id, completedAt: new Date(), source: 'lms' });
  let pa = plans.findGoal(await plans.getPlan(tenantId, plan._id), goalId).activities[0]!;
  expect(pa.status).toBe('awaiting-verification');
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(100, 32)]);
  const evidence = await plans.addEvidence(tenantId, plan._id, goalId, pa._id, { isCertificate: 'on', note: 'certificate' }, { originalname: 'cert.pdf', mimetype: 'application/pdf', size: pdf.length, buffer: pdf }, t);
  await expect(plans.addEvidence(tenantId, plan._id, goalId, pa._id, {}, { originalname: 'cert.pdf', mimetype: 'application/pdf', size: 4, buffer: Buffer.from('MZ..') }, t)).rejects.toThrow(/file type is not accepted/);
  const approver = await teacher('Evidence Approver');
  await plans.decideEvidence(tenantId, plan._id, goalId, pa._id, evidence._id, { decision: 'verify' }, approver);
  pa = plans.findGoal(await plans.getPlan(tenantId, plan._id), goalId).activities[0]!;
  expect(pa).toMatchObject({ status: 'done', source: 'lms' });
  expect(pa.evidence).toHaveLength(1);
});

test('goal rules: N of M activities, hours done', () => {
  const a = (status: string, hours: number, required = true) => ({ status, hours, required }) as unknown as plans.PlanActivityDoc;
  const acts = [a('done', 10), a('done', 5), a('not-started', 20), a('in-progress', 1)];
  expect(plans.goalProgress({ rule: { kind: 'n-of-m', n: 2 }, activities: acts })).toBe(1);
  expect(plans.goalProgress({ rule: { kind: 'n-of-m', n: 4 }, activities: acts })).toBe(0.5);
  expect(plans.goalProgress({ rule: { kind: 'hours', hours: 30 }, activities: acts })).toBe(0.5);
  expect(plans.goalProgress({ rule: { kind: 'hours', hours: 15 }, activities: acts })).toBe(1);
  expect(plans.goalProgress({ rule: { kind: 'all' }, activities: [a('done', 1), a('not-started', 1, false)] })).toBe(1);
  expect(plans.goalProgress({ rule: { kind: 'all' }, activities: acts })).toBe(0.5);
});

test('assigned goals are idempotent per key and migrate keeping completions of remaining activities', async () => {
  const t = await teacher('Pathway Teacher');
  const [x, y, z] = [lmsCourse(), freeWorkshop(), byTitle('wait time')];
  const input = { assignmentKey: 'assign-42', statement: 'Complete the district onboarding pathway', rule: { kind: 'all' as const }, pathway: { id: new Types.ObjectId(), version: 1, title: 'Onboarding' }, activities: [{ activityId: x._id, required: true }, { activityId: y._id, required: true }], dueAt: new Date(Date.now() + 90 * 86_400_000) };
  const [one, two] = await Promise.all([plans.addAssignedGoal(tenantId, t.userId, input), plans.addAssignedGoal(tenantId, t.userId, input)]);
  expect(String(one.goalId)).toBe(String(two.goalId));
  expect([one.created, two.created].filter(Boolean)).toHaveLength(1);
  await plans.applyActivityCompletion(tenantId, { userId: t.userId, activityId: x._id, completedAt: new Date(), source: 'lms' });
  await plans.migrateAssignedGoal(tenantId, t.userId, 'assign-42', { version: 2, rule: { kind: 'n-of-m', n: 2 }, activities: [{ activityId: x._id, required: true }, { activityId: z._id, required: false }] });
  const found = (await plans.goalById(tenantId, t.userId, one.goalId))!;
  expect(found.goal.activities.map((a) => [a.title, a.status])).toEqual([[x.title, 'done'], [z.title, 'not-started']]);
  expect(found.goal.origin?.pathway?.version).toBe(2);
  expect(found.goal.progress).toBe(0.5);
  expect(found.plan.status).toBe('draft');
  await expect(plans.removeActivity(tenantId, found.plan._id, found.goal._id, found.goal.activities[1]!._id, t)).rejects.toThrow(/assigned by your district/);
  await expect(plans.updateGoal(tenantId, found.plan._id, found.goal._id, goalForm('ASMT1'), t)).rejects.toThrow(/assigned by your district/);
});

test('manual completion waits for a reflection when the district requires one; review and renewal carry unfinished goals', async () => {
  const t = await teacher('Reflective Teacher');
  const w = freeWorkshop();
  const { plan, goalId } = await activePlan(t, [w]);
  const goal = plans.findGoal(plan, goalId);
  const custom = goal.activities.find((a) => !a.activityId)!;
  const workshop = goal.activities.find((a) => a.activityId)!;
  await plans.setActivityProgress(tenantId, plan._id, goalId, workshop._id, { status: 'done' }, t);
  const outcome = await plans.setActivityProgress(tenantId, plan._id, goalId, custom._id, { status: 'done' }, t);
  expect(outcome).toMatchObject({ goalCompleted: false, needsReflection: true });
  await plans.addReflection(tenantId, plan._id, goalId, { learned: 'Short checks tell me more than long tests', practice: 'I will plan hinge questions for every lesson' }, t);
  expect(plans.findGoal(await plans.getPlan(tenantId, plan._id), goalId).status).toBe('completed');

  const second = await activePlanGoal(t, plan._id);
  const rated = { goals: { [String(goalId)]: { reflection: 'Done and reflected', selfLevel: '3' }, [String(second)]: { reflection: 'Not yet started', selfLevel: '2' } } };
  await expect(plans.completeReview(tenantId, plan._id, { goals: {} }, t)).rejects.toThrow(/review has problems/);
  await plans.completeReview(tenantId, plan._id, rated, t);
  const reviewed = await plans.getPlan(tenantId, plan._id);
  expect(reviewed.status).toBe('in-review');
  expect(reviewed.reviews[0]!.goals.map((g) => g.selfLevel)).toEqual([3, 2]);
  const next = await plans.renewPlan(tenantId, plan._id, t);
  expect((await plans.getPlan(tenantId, plan._id)).status).toBe('closed');
  expect(next.status).toBe('draft');
  expect(next.previousPlanId?.equals(plan._id)).toBe(true);
  expect(next.goals).toHaveLength(1);
  expect(next.goals[0]!.origin?.kind).toBe('carried');
  expect((await plans.currentPlan(tenantId, t.userId))!._id.equals(next._id)).toBe(true);
});

/** Adds an assigned goal to a running plan (PD staff may add to active plans). */
async function activePlanGoal(t: { userId: Id }, planId: Id): Promise<Id> {
  const r = await plans.addAssignedGoal(tenantId, t.userId, { assignmentKey: `later-${planId}`, statement: 'A later district goal', rule: { kind: 'all' }, pathway: { id: new Types.ObjectId(), version: 1, title: 'Later' }, activities: [{ activityId: byTitle('wait time')._id, required: true }] });
  expect(r.planId.equals(planId)).toBe(true);
  await approveChanges(planId);
  return r.goalId;
}

/** An approver approves the changes waiting on an approved plan (a goal assigned into it). */
async function approveChanges(planId: Id): Promise<void> {
  await plans.decideChange(tenantId, planId, { decision: 'approve' }, await teacher('Principal Approver'));
}

test('the demo seed gives teacher2 an approved plan under way, once', async () => {
  const demo = await tenants.upsertTenant({ issuer: 'https://demo-plans.example', clientId: 'demo', name: 'Demo district', family: 'canvas', deploymentIds: ['1'], source: 'demo' });
  const district = { flavor: 'canvas' as const, roster: demoRoster('canvas') };
  await seedDemoTenant(demo._id, district);
  await seedDemoTenant(demo._id, district);
  const teacher2 = (await users.findBySub(demo._id, district.roster.users.teacher2!.sub))!;
  const history = await plans.planHistory(demo._id, teacher2._id);
  expect(history).toHaveLength(1);
  expect(history[0]!.status).toBe('active');
  expect(history[0]!.goals[0]!.activities.filter((a) => a.status === 'done')).toHaveLength(1);
  expect(history[0]!.goals[0]!.reflections).toHaveLength(1);
});
