import * as audit from '../../src/audit/service';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Persona, Session, startHarness } from '../support/harness';

// An approved plan changes through a proposal: the approved version stays in force (progress,
// completions) until an approver approves the change; over the caps only with a written exception.

let h: Harness;
const s: Partial<Record<Persona, Session>> = {};
const tenantId = () => h.canvas.tenantId;
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);
const userOf = async (p: Persona) => (await users.findBySub(tenantId(), h.canvas.users[p].sub))!;
let planId: string;
let firstGoalId: string;
let lmsActivity: catalog.ActivityDoc;
let workshop: catalog.ActivityDoc;
const plan = () => plans.getPlan(tenantId(), planId);

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
  await catalog.ensureSampleCatalog(tenantId(), { lmsCourseIds: [h.canvas.course.id] });
  for (const p of ['teacher', 'teacher2', 'pdlead'] as const) s[p] = await h.launchAs(h.canvas, p);
  const all = (await catalog.listActivities(tenantId())).filter((a) => !a.certificateRequired && a.cost < 300);
  [lmsActivity, workshop] = [all[0]!, all[1]!];
  const me = await userOf('teacher');
  const who = { userId: me._id, name: me.name };
  const draft = await plans.ensureDraftPlan(tenantId(), me._id, who);
  const goal = await plans.addGoal(tenantId(), draft._id, { statement: 'Use exit tickets to adjust the next lesson', competency: 'ASMT1', targetLevel: '3', measure: 'Exit tickets in most lessons', targetDate: inMonths(12) }, who);
  await plans.addCatalogActivity(tenantId(), draft._id, goal._id, { activityId: String(lmsActivity._id) }, who);
  await plans.addCustomActivity(tenantId(), draft._id, goal._id, { title: 'Grade-team data meetings', hours: '50', cost: '0', required: 'on' }, who);
  await plans.addCustomActivity(tenantId(), draft._id, goal._id, { title: 'Peer observation rounds', hours: '50', cost: '0', required: 'on' }, who);
  await plans.setCommitment(tenantId(), draft._id, { agreed: 'on', text: 'Two hours every other Wednesday' }, who);
  await plans.submitPlan(tenantId(), draft._id, who);
  const lead = await userOf('pdlead');
  await plans.decidePlan(tenantId(), draft._id, { decision: 'approve' }, { userId: lead._id, name: lead.name });
  planId = String(draft._id);
  firstGoalId = String(goal._id);
}, 60_000); // a harness and several full OIDC launches; slow when the two cores are shared
afterAll(() => h.close());

test('the teacher proposes a new goal with an activity and the removal of an activity; the approved plan is unchanged', async () => {
  const page = await s.teacher!.get(`/plans/${planId}`);
  expect(pageText(page.text)).toContain('Change your approved plan');
  const proposed = await s.teacher!.post(`/plans/${planId}/goals`, { statement: 'Lead a data team cycle with my grade team', competency: 'ASMT3', targetLevel: '3', measure: 'Two cycles with student data', targetDate: inMonths(12) });
  expect(proposed.status).toBe(303);
  const newGoalId = /goals\/([a-f0-9]{24})\/activities\/new/.exec(proposed.headers.location!)![1]!;
  expect((await s.teacher!.get(`/plans/${planId}/goals/${newGoalId}/activities/new`)).status).toBe(200);
  expect((await s.teacher!.post(`/plans/${planId}/goals/${newGoalId}/activities`, { activityId: String(workshop._id) })).status).toBe(303);
  const custom = (await plan()).goals[0]!.activities.find((a) => a.title === 'Grade-team data meetings')!;
  expect((await s.teacher!.post(`/plans/${planId}/goals/${firstGoalId}/activities/${custom._id}/delete`)).status).toBe(303);

  const saved = await plan();
  expect(saved.status).toBe('active');
  expect(saved.goals).toHaveLength(1);
  expect(saved.goals[0]!.activities).toHaveLength(3); // still the approved version
  expect(saved.change?.changes.map((c) => c.kind)).toEqual(['add-goal', 'remove-activity']);
  const text = pageText((await s.teacher!.get(`/plans/${planId}`)).text);
  expect(text).toContain('Proposed changes');
  expect(text).toContain(`Add the goal “Lead a data team cycle with my grade team” with 1 activity`);
  expect(text).toContain('Remove the activity “Grade-team data meetings” from “Use exit tickets to adjust the next lesson”');
});

test('others cannot send, decide or withdraw the proposal; nothing changes', async () => {
  const before = await plan();
  const change = before.change!.changes[0]!;
  expect((await s.teacher2!.post(`/plans/${planId}/changes/send`)).status).toBe(403);
  expect((await s.teacher2!.post(`/plans/${planId}/changes/${change._id}/withdraw`)).status).toBe(403);
  expect((await s.teacher!.post(`/plans/${planId}/changes/decision`, { decision: 'approve' })).status).toBe(403);
  expect((await s.pdlead!.post(`/plans/${planId}/changes/decision`, { decision: 'approve' })).status).toBe(403); // not sent yet
  const moodle = await h.launchAs(h.moodle, 'pdlead');
  expect((await moodle.post(`/plans/${planId}/changes/decision`, { decision: 'approve' })).status).toBe(404);
  expect((await plan()).rev).toBe(before.rev);
});

test('sent changes wait for approval while completions keep counting on the approved goals; return, then approve', async () => {
  const sent = await s.teacher!.post(`/plans/${planId}/changes/send`);
  expect(sent.status).toBe(303);
  expect(pageText((await s.teacher!.get(`/plans/${planId}?done=change-sent`)).text)).toContain('Your proposed changes were sent for approval to Alex Kim');
  expect((await s.teacher!.get(`/plans/${planId}/goals/new`)).status).toBe(403); // one proposal at a time
  expect(pageText((await s.pdlead!.get('/approvals')).text)).toContain('2 proposed changes to an approved plan');

  // An LMS completion while the change waits: it counts on the approved goal.
  const me = await userOf('teacher');
  await plans.applyActivityCompletion(tenantId(), { userId: me._id, activityId: lmsActivity._id, completedAt: new Date(), source: 'lms' });
  const waiting = await plan();
  expect(waiting.goals[0]!.activities.find((a) => a.activityId?.equals(lmsActivity._id))!.status).toBe('done');
  expect(waiting.goals[0]!.progress).toBeCloseTo(1 / 3);

  const noComment = await s.pdlead!.post(`/plans/${planId}/changes/decision`, { decision: 'return', comment: '' });
  expect(noComment.status).toBe(400);
  expect(noComment.text).toContain('Say what the teacher should change');
  expect((await s.pdlead!.post(`/plans/${planId}/changes/decision`, { decision: 'return', comment: 'Keep the data meetings.' })).status).toBe(303);
  expect((await plan()).change?.status).toBe('open');
  const removal = (await plan()).change!.changes.find((c) => c.kind === 'remove-activity')!;
  expect((await s.teacher!.post(`/plans/${planId}/changes/${removal._id}/withdraw`)).status).toBe(303);
  expect((await s.teacher!.post(`/plans/${planId}/changes/send`)).status).toBe(303);

  const approved = await s.pdlead!.post(`/plans/${planId}/changes/decision`, { decision: 'approve' });
  expect(approved.status).toBe(303);
  expect(approved.headers.location).toContain('done=change-approved');
  const after = await plan();
  expect(after.goals.map((g) => g.statement)).toEqual(['Use exit tickets to adjust the next lesson', 'Lead a data team cycle with my grade team']);
  expect(after.goals[0]!.activities).toHaveLength(3);
  expect(after.goals[0]!.activities.find((a) => a.activityId?.equals(lmsActivity._id))!.status).toBe('done'); // progress made meanwhile is kept
  expect(after.goals[1]!.activities.map((a) => String(a.activityId))).toEqual([String(workshop._id)]);
  expect(after.change?.changes).toHaveLength(0);
  expect((await s.teacher!.get('/notifications')).text).toContain('The changes to your PD plan are approved');
});

test('over the caps a change is sent only with a request, and approved only with a written exception that is shown and audited', async () => {
  const goalId = String((await plan()).goals[1]!._id);
  await s.teacher!.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: 'National leadership institute', hours: '10', cost: '5000', required: 'on' });
  const refused = await s.teacher!.post(`/plans/${planId}/changes/send`, {});
  expect(refused.status).toBe(400);
  expect(refused.text).toMatch(/over the cost cap/);
  expect((await plan()).change?.status).toBe('open');
  expect((await s.teacher!.post(`/plans/${planId}/changes/send`, { exceptionRequest: 'The institute is our school improvement priority' })).status).toBe(303);

  const lead = await s.pdlead!.get(`/plans/${planId}`);
  expect(lead.text).toContain('name="exception"');
  const bare = await s.pdlead!.post(`/plans/${planId}/changes/decision`, { decision: 'approve', comment: 'Fine' });
  expect(bare.status).toBe(400);
  expect(bare.text).toContain('Write why this plan may go over the caps');
  expect(bare.text).toContain('Fine</textarea>'); // the comment is kept
  expect((await plan()).goals[1]!.activities).toHaveLength(1);
  expect((await s.pdlead!.post(`/plans/${planId}/changes/decision`, { decision: 'approve', exception: 'Board-approved priority for this school' })).status).toBe(303);
  const after = await plan();
  expect(after.goals[1]!.activities.map((a) => a.title)).toContain('National leadership institute');
  const text = pageText((await s.teacher!.get(`/plans/${planId}`)).text);
  expect(text).toContain('Exception over the caps: Board-approved priority for this school');
  const entries = await audit.history(tenantId(), { kind: 'plan', id: planId });
  expect(entries.some((e) => e.action === 'plan.cap-exception' && JSON.stringify(e.after).includes('Board-approved priority'))).toBe(true);
});

test('a pathway assigned into an approved plan waits for approval too, once, and the teacher cannot withdraw it', async () => {
  const me = await userOf('teacher');
  const input = { assignmentKey: 'test:pathway:1', statement: 'Complete the assessment pathway', rule: { kind: 'all' as const }, pathway: { id: workshop._id, version: 1, title: 'Assessment pathway' }, activities: [{ activityId: workshop._id, required: true }] };
  const first = await plans.addAssignedGoal(tenantId(), me._id, input);
  const again = await plans.addAssignedGoal(tenantId(), me._id, input);
  expect(again).toMatchObject({ goalId: first.goalId, created: false });
  const saved = await plan();
  expect(saved.goals.some((g) => g._id.equals(first.goalId))).toBe(false);
  expect(saved.change?.status).toBe('submitted');
  const change = saved.change!.changes.find((c) => c.goalId.equals(first.goalId))!;
  expect(pageText((await s.teacher!.get(`/plans/${planId}`)).text)).toContain('(assigned by the district)');
  expect((await s.teacher!.post(`/plans/${planId}/changes/${change._id}/withdraw`)).status).toBe(403); // sent: nothing to withdraw
  // The plan is still over the caps (the approved exception above): approving again needs a reason again.
  expect((await s.pdlead!.post(`/plans/${planId}/changes/decision`, { decision: 'approve', exception: 'Same board-approved priority' })).status).toBe(303);
  expect((await plan()).goals.some((g) => g._id.equals(first.goalId))).toBe(true);
});

test('a team goal on an approved plan: colleagues from a searchable checklist, input kept, added as a proposed change; invitees listed', async () => {
  const t2 = await userOf('teacher2');
  const form = await s.teacher!.get('/team-goals/new');
  expect(form.text).toContain('type="checkbox" name="memberIds"');
  expect(form.text).not.toContain('multiple');
  expect(form.text).toContain('/public/js/team-goal.js');
  expect(pageText(form.text)).toContain('added to it as a proposed change');
  const typed = { statement: 'Our grade team will run common formative checks', competency: 'ASMT1', targetLevel: '3', measure: 'Checks every two weeks', targetDate: inMonths(10) };
  const search = await s.teacher!.post('/team-goals', { ...typed, q: t2.name.split(' ')[0]!, intent: 'search' });
  expect(search.status).toBe(200);
  expect(search.text).toContain('Our grade team will run common formative checks</textarea>');
  expect(search.text).toContain(`value="${t2._id}"`);
  const created = await s.teacher!.post('/team-goals', { ...typed, memberIds: String(t2._id) });
  expect(created.status).toBe(303);
  expect(created.headers.location).toContain('done=created');
  const groupPath = created.headers.location!.split('?')[0]!.replace(/^https?:\/\/[^/]+/, '');
  const saved = await plan();
  expect(saved.goals.some((g) => g.groupGoalId)).toBe(false); // the approved plan is unchanged
  expect(saved.change?.changes.some((c) => c.kind === 'add-goal' && !!c.goal?.groupGoalId)).toBe(true);
  const page = pageText((await s.teacher2!.get(groupPath)).text);
  expect(page).toMatch(/Maya Patel Created it Joined/);
  expect(page).toMatch(new RegExp(`${t2.name} Invited`));

  // While the changes wait for approval nothing can be added: the form says so and a post keeps the input.
  const teamGoalId = saved.change!.changes.find((c) => !!c.goal?.groupGoalId)!.goalId;
  expect((await s.teacher!.post(`/plans/${planId}/goals/${teamGoalId}/activities/custom`, { title: 'Team check design sessions', hours: '6', cost: '0', required: 'on' })).status).toBe(303);
  expect((await s.teacher!.post(`/plans/${planId}/changes/send`, { exceptionRequest: 'Same priority' })).status).toBe(303);
  const blocked = await s.teacher!.get('/team-goals/new');
  expect(pageText(blocked.text)).toContain('Your proposed changes are waiting for approval');
  expect(blocked.text).not.toContain('Create the team goal');
  const refused = await s.teacher!.post('/team-goals', { ...typed, statement: 'A second team goal typed in full', memberIds: String(t2._id) });
  expect(refused.status).toBe(409);
  expect(refused.text).toContain('A second team goal typed in full</textarea>');
  expect(refused.text).toContain(`value="${t2._id}" checked`);
});
