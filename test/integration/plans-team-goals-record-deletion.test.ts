import * as audit from '../../src/audit/service';
import * as catalog from '../../src/catalog/service';
import { emit } from '../../src/events';
import * as frameworks from '../../src/frameworks/service';
import * as notices from '../../src/notifications/service';
import * as plans from '../../src/plans/service';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { Types } from 'mongoose';
import { postPairs } from '../support/forms';
import { Harness, Persona, Session, startHarness } from '../support/harness';

let h: Harness;
const s: Partial<Record<Persona, Session>> = {};
const tenantId = () => h.canvas.tenantId;
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);
const goalForm = (extra: Record<string, string> = {}) => ({ statement: 'Plan lessons backwards from clear learning goals', competency: 'PLAN1', targetLevel: '3', measure: 'Unit plans start from goals', targetDate: inMonths(10), ...extra });
const userOf = async (p: Persona) => (await users.findBySub(tenantId(), h.canvas.users[p].sub))!;

async function planIdOf(p: Persona): Promise<string> {
  return String((await plans.currentPlan(tenantId(), (await userOf(p))._id))!._id);
}

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
  await catalog.ensureSampleCatalog(tenantId(), { lmsCourseIds: [h.canvas.course.id] });
  for (const p of ['teacher', 'teacher2', 'teacher3', 'coach', 'pdlead'] as const) s[p] = await h.launchAs(h.canvas, p);
  await users.setCoaches(tenantId(), (await userOf('teacher3'))._id, [(await userOf('coach'))._id]);
}, 60_000); // a harness and several full OIDC launches; slow when the two cores are shared
afterAll(() => h.close());

test('concurrent "create my plan" requests leave exactly one plan', async () => {
  const results = await Promise.all(Array.from({ length: 5 }, () => s.teacher!.post('/plan')));
  expect(new Set(results.map((r) => r.headers.location!.split('?')[0])).size).toBe(1);
  expect(await plans.planHistory(tenantId(), (await userOf('teacher'))._id)).toHaveLength(1);
});

test('bad activity input and a sixth goal are refused with clear messages; nothing is saved', async () => {
  const planId = await planIdOf('teacher');
  expect((await s.teacher!.post(`/plans/${planId}/goals`, goalForm())).status).toBe(303);
  const goalId = String((await plans.getPlan(tenantId(), planId)).goals[0]!._id);
  const bad = await s.teacher!.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: '', hours: 'lots', cost: '-5', plannedStart: '2027-05-01', plannedEnd: '2027-01-01' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('Give the activity a title');
  expect(bad.text).toContain('Enter the hours as a number');
  expect(bad.text).toContain('The cost cannot be negative');
  const unknown = await s.teacher!.post(`/plans/${planId}/goals/${goalId}/activities`, { activityId: 'nope' });
  expect(unknown.status).toBe(400);
  expect(unknown.text).toContain('Choose an activity from the catalog');
  const late = await s.teacher!.post(`/plans/${planId}/goals`, goalForm({ targetDate: inMonths(40) }));
  expect(late.status).toBe(400);
  expect(late.text).toContain('Choose a date on or before your plan ends');
  for (let i = 0; i < 4; i++) await s.teacher!.post(`/plans/${planId}/goals`, goalForm());
  const sixth = await s.teacher!.post(`/plans/${planId}/goals`, goalForm({ statement: 'A sixth goal that is one too many' }));
  expect(sixth.status).toBe(400);
  expect(sixth.text).toContain('A plan has at most 5 goals');
  await s.teacher!.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: 'Unit planning with my team', hours: '12', cost: '0' });
  const aid = (await plans.getPlan(tenantId(), planId)).goals[0]!.activities[0]!._id;
  const backwards = await s.teacher!.post(`/plans/${planId}/goals/${goalId}/activities/${aid}/dates`, { plannedStart: '2027-03-01', plannedEnd: '2027-02-01' });
  expect(backwards.status).toBe(400);
  expect(backwards.text).toContain('The end date is before the start date');
  expect((await s.teacher!.post(`/plans/${planId}/goals/${goalId}/activities/${aid}/dates`, { plannedStart: '2027-02-01', plannedEnd: '2027-03-01' })).status).toBe(303);
  const saved = await plans.getPlan(tenantId(), planId);
  expect(saved.goals).toHaveLength(5);
  expect(saved.goals[0]!.activities.map((a) => [a.title, a.plannedEnd?.toISOString().slice(0, 10)])).toEqual([['Unit planning with my team', '2027-03-01']]);
  expect((await s.teacher2!.get(`/plans/${planId}`)).status).toBe(403);
  expect((await s.teacher2!.post(`/plans/${planId}/goals`, goalForm())).status).toBe(403);
  expect((await plans.getPlan(tenantId(), planId)).goals).toHaveLength(5);
});

test('a team goal is shared, joined, and shows the group\'s progress without anyone\'s reflections', async () => {
  const t2 = await userOf('teacher2');
  const t3 = await userOf('teacher3');
  const search = await s.teacher2!.get('/team-goals/new?q=okafor');
  expect(search.text).toContain('Chris Okafor');
  expect(search.text).not.toContain('Maya Patel');
  const created = await postPairs(s.teacher2!, '/team-goals', [...Object.entries(goalForm({ statement: 'Our PLC will use common formative checks weekly', competency: 'ASMT1' })), ['memberIds', String(t3._id)]]);
  expect(created.status).toBe(303);
  const groupPath = created.headers.location!.split('?')[0]!;
  expect((await s.teacher3!.get('/team-goals')).text).toContain('Our PLC will use common formative checks weekly');
  expect((await s.teacher!.get(groupPath)).status).toBe(403);
  expect((await s.teacher3!.post(`${groupPath}/join`)).status).toBe(303);
  expect((await s.teacher3!.post(`${groupPath}/join`)).status).toBe(403); // already a member
  const t3plan = (await plans.currentPlan(tenantId(), t3._id))!;
  expect(t3plan.goals.filter((g) => g.groupGoalId)).toHaveLength(1);

  const workshop = (await catalog.listActivities(tenantId())).find((a) => a.kind === 'micro-learning')!;
  const t2plan = (await plans.currentPlan(tenantId(), t2._id))!;
  const g2 = t2plan.goals[0]!._id;
  await s.teacher2!.post(`/plans/${t2plan._id}/goals/${g2}/activities`, { activityId: String(workshop._id) });
  await s.teacher2!.post(`/plans/${t2plan._id}/goals/${g2}/activities/custom`, { title: 'PLC meetings', hours: '40', cost: '0', required: 'on' });
  await s.teacher2!.post(`/plans/${t2plan._id}/commitment`, { agreed: 'on', text: 'Weekly PLC time on Thursdays' });
  expect((await s.teacher2!.post(`/plans/${t2plan._id}/submit`)).status).toBe(303);
  await s.pdlead!.post(`/plans/${t2plan._id}/decision`, { decision: 'approve', comment: '' });
  await s.teacher2!.post(`/plans/${t2plan._id}/goals/${g2}/activities/${(await plans.getPlan(tenantId(), t2plan._id)).goals[0]!.activities[0]!._id}/progress`, { status: 'done' });
  await s.teacher2!.post(`/plans/${t2plan._id}/goals/${g2}/reflections`, { learned: 'SECRET-REFLECTION our checks', practice: 'We regroup on Fridays' });

  const page = await s.teacher3!.get(groupPath);
  expect(page.status).toBe(200);
  expect(page.text).toContain('Jordan Lee');
  expect(page.text).toContain('Chris Okafor');
  expect(page.text).toContain('50%');
  expect(page.text).toContain('on average 25% done');
  expect(page.text).not.toContain('SECRET-REFLECTION');
});

test('a coach ticks off the steps of a coaching cycle; the debrief completes it', async () => {
  const t3 = await userOf('teacher3');
  const plan = (await plans.currentPlan(tenantId(), t3._id))!;
  const goalId = plan.goals[0]!._id;
  const cycle = (await catalog.listActivities(tenantId())).find((a) => a.kind === 'coaching-cycle')!;
  await s.teacher3!.post(`/plans/${plan._id}/goals/${goalId}/activities`, { activityId: String(cycle._id) });
  await s.teacher3!.post(`/plans/${plan._id}/goals/${goalId}/activities/custom`, { title: 'Common assessment design', hours: '40', cost: '0' });
  await s.teacher3!.post(`/plans/${plan._id}/commitment`, { agreed: 'on', text: 'Planning periods on Mondays' });
  await tenants.updatePolicy(tenantId(), { approvalRequired: false, approvers: 'none' });
  expect((await s.teacher3!.post(`/plans/${plan._id}/submit`)).status).toBe(303);
  await tenants.updatePolicy(tenantId(), { approvalRequired: true, approvers: 'approver-grant' });
  expect((await plans.getPlan(tenantId(), plan._id)).status).toBe('active'); // no approval needed: active on submit
  const pa = plans.findGoal(await plans.getPlan(tenantId(), plan._id), goalId).activities.find((a) => a.kind === 'coaching-cycle')!;
  const path = `/plans/${plan._id}/goals/${goalId}/activities/${pa._id}`;
  expect((await s.teacher3!.post(`${path}/steps`, { step: 'plan' })).status).toBe(403);
  const page = await s.coach!.get(path);
  expect(page.text).toContain('Mark planning conference done');
  for (const step of ['plan', 'observe', 'debrief']) expect((await s.coach!.post(`${path}/steps`, { step })).status).toBe(303);
  const done = plans.findPlanActivity(plans.findGoal(await plans.getPlan(tenantId(), plan._id), goalId), pa._id);
  expect(done.status).toBe('done');
  expect(Object.values(done.steps ?? {}).filter(Boolean)).toHaveLength(3);
});

test('an LMS completion shows on the plan with its source', async () => {
  const t3 = await userOf('teacher3');
  const plan = (await plans.currentPlan(tenantId(), t3._id))!;
  const activity = plan.goals[0]!.activities.find((a) => a.kind === 'custom')!;
  const lms = (await catalog.listActivities(tenantId())).find((a) => a.kind === 'lms-course' && !a.certificateRequired)!;
  await plans.addAssignedGoal(tenantId(), t3._id, { assignmentKey: 'extras-1', statement: 'District blended learning pathway', rule: { kind: 'all' }, pathway: { id: lms._id, version: 1, title: 'Blended learning' }, activities: [{ activityId: lms._id, required: true }] });
  // Assigned into an approved plan, the goal is in force once an approver approves the change.
  expect((await s.pdlead!.post(`/plans/${plan._id}/changes/decision`, { decision: 'approve' })).status).toBe(303);
  const result = await plans.applyActivityCompletion(tenantId(), { userId: t3._id, activityId: lms._id, completedAt: new Date(), source: 'lms' });
  expect(result.applied).toHaveLength(1);
  const page = await s.teacher3!.get(`/plans/${plan._id}`);
  expect(page.text).toContain('LMS sync');
  expect(page.text).toContain('Assigned by your district: Blended learning');
  expect(activity).toBeDefined();
});

test('the teacher exports the record as printable HTML and JSON; others cannot', async () => {
  const html = await s.teacher2!.get('/my-record');
  expect(html.status).toBe(200);
  expect(html.text).toContain('My PD record');
  expect(html.text).toContain('Our PLC will use common formative checks weekly');
  expect(html.text).toContain('SECRET-REFLECTION');
  const json = await s.teacher2!.get('/my-record.json');
  expect(json.headers['content-disposition']).toContain('pd-record.json');
  const record = JSON.parse(json.text);
  expect(record.teacher.name).toBe('Jordan Lee');
  expect(record.plans[0].goals[0].reflections[0].learned).toContain('SECRET-REFLECTION');
  expect((await s.teacher3!.get('/my-record')).text).not.toContain('SECRET-REFLECTION');
});

test('a deletion request needs confirmation, removes the teacher\'s data and leaves only an anonymous record', async () => {
  const t2 = await userOf('teacher2');
  expect((await s.teacher2!.get('/my-data/delete')).text).toContain('Type DELETE to confirm');
  const unconfirmed = await s.teacher2!.post('/my-data/delete', { confirm: 'yes' });
  expect(unconfirmed.status).toBe(400);
  expect(await plans.planHistory(tenantId(), t2._id)).toHaveLength(1);
  const done = await s.teacher2!.post('/my-data/delete', { confirm: 'DELETE' });
  expect(done.status).toBe(200);
  expect(done.text).toContain('Deleted now: 1 plan, 1 reflection');
  expect(await plans.planHistory(tenantId(), t2._id)).toHaveLength(0);
  expect(await notices.recent(tenantId(), t2._id)).toHaveLength(0);
  const log = await audit.recent(tenantId(), { limit: 1000 });
  expect(log.some((e) => e.action === 'privacy.data-deleted')).toBe(true);
  expect(log.some((e) => e.actorId?.equals(t2._id))).toBe(false);
  expect(JSON.stringify(log)).not.toContain('SECRET-REFLECTION');
  const staffLog = await s.pdlead!.get('/audit');
  expect(staffLog.text).toContain('privacy.data-deleted');
  const team = await s.teacher3!.get('/team-goals');
  expect(team.text).toContain('Our PLC will use common formative checks weekly');
});

test('a badge earned is celebrated once, however often the credential event repeats', async () => {
  const t3 = await userOf('teacher3');
  const event = { tenantId: tenantId(), userId: t3._id, credentialId: new Types.ObjectId(), achievementId: new Types.ObjectId() };
  await emit('credential.issued', event);
  await emit('credential.issued', event);
  const badges = (await notices.recent(tenantId(), t3._id)).filter((n) => n.kind === 'badge.earned');
  expect(badges).toHaveLength(1);
  expect(badges[0]!.celebrate).toBe(true);
  expect((await s.teacher3!.get('/dashboard')).text).toContain('You earned a badge!');
});
