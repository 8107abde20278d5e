import * as audit from '../../src/audit/service';
import * as frameworks from '../../src/frameworks/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

let h: Harness;
let teacher: Session;
let lead: Session;
let planId: string;
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);
const plan = () => plans.getPlan(h.canvas.tenantId, planId);

beforeAll(async () => {
  h = await startHarness();
  await frameworks.ensureSampleFramework(h.canvas.tenantId);
  lead = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  expect((await teacher.post('/plan')).status).toBe(303);
  const me = (await users.findBySub(h.canvas.tenantId, h.canvas.users.teacher.sub))!;
  planId = String((await plans.currentPlan(h.canvas.tenantId, me._id))!._id);
  const goal = await teacher.post(`/plans/${planId}/goals`, { statement: 'Lead a data team cycle with my grade team', competency: 'ASMT3', targetLevel: '3', measure: 'Two cycles with student data', targetDate: inMonths(12) });
  expect(goal.status).toBe(303);
  const goalId = String((await plan()).goals[0]!._id);
  expect((await teacher.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: 'National leadership institute', hours: '60', cost: '4000', required: 'on' })).status).toBe(303);
}, 120_000);
afterAll(() => h.close());

test('a new plan over the caps goes to approval only with the teacher’s request, and is approved only with a written, audited exception', async () => {
  const commitment = { text: 'Two hours every other Wednesday', agreed: 'on' };
  expect((await teacher.post(`/plans/${planId}/submit`, commitment)).status).toBe(400);
  expect((await teacher.post(`/plans/${planId}/submit`, { ...commitment, exceptionRequest: 'The institute is our school improvement priority' })).status).toBe(303);
  expect((await plan()).status).toBe('submitted');

  const bare = await lead.post(`/plans/${planId}/decision`, { decision: 'approve', comment: '' });
  expect(bare.status).toBe(400);
  expect(pageText(bare.text)).toContain('This plan is over the district\'s caps: The plan costs $2,000.00 a year, over the cost cap of $1,500.00 a year by $500.00.');
  expect(pageText(bare.text)).toContain('To approve it anyway, write the reason for the exception');
  expect((await plan()).status).toBe('submitted');
  expect((await audit.recent(h.canvas.tenantId, { action: 'plan.cap-exception' })).length).toBe(0);

  const approved = await lead.post(`/plans/${planId}/decision`, { decision: 'approve', comment: '', exception: 'Board-approved priority for this school' });
  expect(approved.status).toBe(303);
  const saved = await plan();
  expect(saved.status).toBe('active');
  expect(saved.approvals.at(-1)).toMatchObject({ decision: 'approved', exception: { reason: 'Board-approved priority for this school' } });
  expect(pageText((await teacher.get(`/plans/${planId}`)).text)).toContain('Board-approved priority for this school');
  const entries = await audit.recent(h.canvas.tenantId, { action: 'plan.cap-exception' });
  expect(entries.map((e) => JSON.stringify(e.after))).toEqual([expect.stringContaining('Board-approved priority for this school')]);
});
