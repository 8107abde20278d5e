import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Persona, Session, startHarness } from '../support/harness';

// The plan's life as teacher and approver see it: one submit form that loses nothing, a confirmation
// after every change, and the previous plan still reachable after renewal.

let h: Harness;
const s: Partial<Record<Persona, Session>> = {};
const tenantId = () => h.canvas.tenantId;
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);
const userOf = async (p: Persona) => (await users.findBySub(tenantId(), h.canvas.users[p].sub))!;

/** A draft of `p` with one goal and a 50-hour activity: within every cap, ready but for the commitment. */
async function readyDraft(p: Persona): Promise<string> {
  const created = await s[p]!.post('/plan');
  const planId = /\/plans\/([a-f0-9]{24})/.exec(created.headers.location!)![1]!;
  const goal = await s[p]!.post(`/plans/${planId}/goals`, { statement: 'Use exit tickets to adjust the next lesson', competency: 'ASMT1', targetLevel: '3', measure: 'Exit tickets in most lessons', targetDate: inMonths(12) });
  expect(goal.status).toBe(303);
  const goalId = String((await plans.getPlan(tenantId(), planId)).goals[0]!._id);
  expect((await s[p]!.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: 'Grade-team data meetings', hours: '50', cost: '0', required: 'on' })).status).toBe(303);
  return planId;
}

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(tenantId());
  await catalog.ensureSampleCatalog(tenantId(), { lmsCourseIds: [h.canvas.course.id] });
  for (const p of ['teacher', 'teacher2', 'teacher3', 'pdlead'] as const) s[p] = await h.launchAs(h.canvas, p);
}, 60_000); // a harness and several full OIDC launches; slow when the two cores are shared
afterAll(() => h.close());

test('the commitment typed into the submit form is saved with the submission, and the page says to whom it went', async () => {
  const planId = await readyDraft('teacher');
  const page = await s.teacher!.get(`/plans/${planId}`);
  // One form holds the commitment and the submit button.
  const form = /<form[^>]*action="\/plans\/[a-f0-9]{24}\/submit"[\s\S]*?<\/form>/.exec(page.text)![0];
  expect(form).toContain('name="text"');
  expect(form).toContain('name="agreed"');
  expect(form).toContain('Submit my plan');

  const sent = await s.teacher!.post(`/plans/${planId}/submit`, { text: 'Two hours every other Wednesday after school', agreed: 'on' });
  expect(sent.status).toBe(303);
  const saved = await plans.getPlan(tenantId(), planId);
  expect(saved.status).toBe('submitted');
  expect(saved.commitment).toMatchObject({ agreed: true, text: 'Two hours every other Wednesday after school' });
  expect(sent.headers.location).toContain('done=submitted');
  const landed = pageText((await s.teacher!.get(`/plans/${planId}?done=submitted`)).text);
  expect(landed).toContain('Your plan was sent for approval to Alex Kim');
});

test('a refused submission keeps what was typed and changes nothing', async () => {
  const planId = await readyDraft('teacher2');
  const unticked = await s.teacher2!.post(`/plans/${planId}/submit`, { text: 'Thursday afternoons with my PLC' });
  expect(unticked.status).toBe(400);
  expect(unticked.text).toContain('Tick the box to agree to the time commitment');
  expect(unticked.text).toContain('Thursday afternoons with my PLC</textarea>');
  expect((await plans.getPlan(tenantId(), planId)).status).toBe('draft');

  // Over the cost cap: the commitment is kept (saved and shown again), the submission is refused with the reason.
  const goalId = String((await plans.getPlan(tenantId(), planId)).goals[0]!._id);
  await s.teacher2!.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: 'National institute', hours: '10', cost: '5000', required: 'on' });
  const over = await s.teacher2!.post(`/plans/${planId}/submit`, { text: 'Thursday afternoons with my PLC', agreed: 'on' });
  expect(over.status).toBe(400);
  expect(over.text).toMatch(/over the cost cap/);
  expect(over.text).toContain('Thursday afternoons with my PLC</textarea>');
  expect(over.text).toMatch(/name="agreed" value="on" checked/);
  const after = await plans.getPlan(tenantId(), planId);
  expect(after.status).toBe('draft');
  expect(after.commitment?.text).toBe('Thursday afternoons with my PLC');
});

test('approving, returning, reviewing and renewing each confirm what happened; the previous plan stays reachable', async () => {
  const planId = String((await plans.currentPlan(tenantId(), (await userOf('teacher'))._id))!._id);
  const returned = await s.pdlead!.post(`/plans/${planId}/decision`, { decision: 'return', comment: 'Add dates please.' });
  expect(returned.status).toBe(303);
  expect(pageText((await s.pdlead!.get(`/plans/${planId}?done=returned`)).text)).toContain('You returned the plan to Maya');
  await s.teacher!.post(`/plans/${planId}/submit`, { text: 'Two hours every other Wednesday after school', agreed: 'on' });
  const approved = await s.pdlead!.post(`/plans/${planId}/decision`, { decision: 'approve', comment: '' });
  expect(approved.headers.location).toContain('done=approved');
  expect(pageText((await s.pdlead!.get(`/plans/${planId}?done=approved`)).text)).toMatch(/You approved Maya [^’]*’s plan; it is active now/);

  const p = await plans.getPlan(tenantId(), planId);
  const review = await s.teacher!.post(`/plans/${planId}/review`, { [`goals.${p.goals[0]!._id}.reflection`]: 'Exit tickets are a habit now', [`goals.${p.goals[0]!._id}.selfLevel`]: '3' });
  expect(review.headers.location).toContain('done=reviewed');
  const renewed = await s.teacher!.post(`/plans/${planId}/renew`);
  expect(renewed.headers.location).toContain('done=renewed');
  const next = await plans.currentPlan(tenantId(), p.userId);
  const landed = pageText((await s.teacher!.get(`/plans/${next!._id}?done=renewed`)).text);
  expect(landed).toContain('Your next plan has started');
  expect(landed).toContain('Carried over from your previous plan: 1 unfinished goal (“Use exit tickets to adjust the next lesson”) with 1 activity not yet done');
  expect(landed).toContain('Previous plans');
  const old = await s.teacher!.get(`/plans/${planId}`);
  expect(old.status).toBe(200);
  expect(pageText(old.text)).toContain('it is kept read-only');
  expect(old.text).not.toContain('Submit my plan');
  expect(old.text).not.toContain('Add a goal');
  expect(old.text).toContain(`/plans/${next!._id}`);
});

test('an unknown confirmation code is ignored, not echoed', async () => {
  const planId = String((await plans.currentPlan(tenantId(), (await userOf('teacher'))._id))!._id);
  const page = await s.teacher!.get(`/plans/${planId}?done=%3Cscript%3E`);
  expect(page.status).toBe(200);
  expect(page.text).not.toContain('<script>');
  expect(page.text).not.toContain('role="status"');
});

test('a verified certificate completes the activity in every goal that holds it, as an LMS completion does', async () => {
  const me = await userOf('teacher3');
  const who = { userId: me._id, name: me.name };
  const cert = (await catalog.listActivities(tenantId())).find((a) => a.certificateRequired)!;
  const plan = await plans.ensureDraftPlan(tenantId(), me._id, who);
  const goals = [];
  for (const statement of ['Use formative checks in every unit', 'Coach my team on formative checks']) {
    const g = await plans.addGoal(tenantId(), plan._id, { statement, competency: 'ASMT1', targetLevel: '3', measure: 'Checks in every unit', targetDate: inMonths(12) }, who);
    await plans.addCatalogActivity(tenantId(), plan._id, g._id, { activityId: String(cert._id) }, who);
    await plans.addCustomActivity(tenantId(), plan._id, g._id, { title: 'Team planning hours', hours: '30', cost: '0', required: '' }, who);
    goals.push(g);
  }
  await plans.setCommitment(tenantId(), plan._id, { agreed: 'on', text: 'Planning periods on Mondays' }, who);
  await plans.submitPlan(tenantId(), plan._id, who);
  const lead = await userOf('pdlead');
  await plans.decidePlan(tenantId(), plan._id, { decision: 'approve' }, { userId: lead._id, name: lead.name });

  const first = plans.findGoal(await plans.getPlan(tenantId(), plan._id), goals[0]!._id).activities.find((a) => a.activityId?.equals(cert._id))!;
  const path = `/plans/${plan._id}/goals/${goals[0]!._id}/activities/${first._id}/evidence`;
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n% certificate\n'), Buffer.alloc(500, 32)]);
  const up = await s.teacher3!.launch.agent.post(`${path}?ltik=${encodeURIComponent(s.teacher3!.ltik)}`).field('_csrf', s.teacher3!.csrf).field('isCertificate', 'on').attach('file', pdf, { filename: 'certificate.pdf', contentType: 'application/pdf' });
  expect(up.status).toBe(303);
  const evidenceId = plans.findPlanActivity(plans.findGoal(await plans.getPlan(tenantId(), plan._id), goals[0]!._id), first._id).evidence[0]!._id;
  expect((await s.pdlead!.post(`${path}/${evidenceId}/decision`, { decision: 'verify' })).status).toBe(303);

  const after = await plans.getPlan(tenantId(), plan._id);
  const copies = after.goals.flatMap((g) => g.activities.filter((a) => a.activityId?.equals(cert._id)));
  expect(copies).toHaveLength(2);
  expect(copies.map((a) => [a.status, a.source])).toEqual([['done', 'evidence'], ['done', 'evidence']]);
  expect(after.goals.map((g) => g.progress)).toEqual([1, 1]);
});
