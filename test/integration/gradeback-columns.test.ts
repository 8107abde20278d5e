import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as frameworks from '../../src/frameworks/service';
import * as outbox from '../../src/outbox/service';
import * as placements from '../../src/placements/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { Harness, Persona, SimulatedPlatform, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { placeLinks } from '../support/placements';

let h: Harness;
let now = new Date();
const courses = new Map<SimulatedPlatform, Types.ObjectId>();

/** Worker passes `stepMs` apart on the queue's clock. */
async function drain(passes: number, stepMs = 60_000): Promise<void> {
  for (let i = 0; i < passes; i++) {
    now = new Date(now.getTime() + stepMs);
    await outbox.deliverDue();
  }
}

async function seed(p: SimulatedPlatform): Promise<void> {
  await frameworks.ensureSampleFramework(p.tenantId);
  const input = await catalog.validateActivity(p.tenantId, { kind: 'lms-course', title: 'Formative Assessment Online', provider: 'District LMS', competencies: ['ASMT1'], hours: '6', cost: '0', mode: 'online', timing: 'async', selfPaced: 'on', lmsCourseId: p.course.id });
  courses.set(p, (await catalog.createActivity(p.tenantId, input, { userId: new Types.ObjectId(), name: 'PD lead' }))._id);
}

/** The teacher opened PD Pathways from the course, then finished an assigned one-course goal in the LMS. */
async function finishGoal(p: SimulatedPlatform, persona: Persona): Promise<Types.ObjectId> {
  await h.launchAs(p, persona);
  const user = (await users.findBySub(p.tenantId, p.users[persona].sub))!;
  await plans.addAssignedGoal(p.tenantId, user._id, { assignmentKey: `a-${new Types.ObjectId()}`, statement: 'Use formative checks weekly.', competency: 'ASMT1', rule: { kind: 'all' }, pathway: { id: new Types.ObjectId(), version: 1, title: 'Formative' }, activities: [{ activityId: courses.get(p)!, required: true }] });
  await plans.applyActivityCompletion(p.tenantId, { userId: user._id, activityId: courses.get(p)!, completedAt: new Date(), source: 'lms' });
  return user._id;
}

const columnsWith = (p: SimulatedPlatform, resourceId: string) => p.sim.ags.lineItems(p.course.id).filter((c) => c.resourceId === resourceId);
const stats = async (p: SimulatedPlatform) => (await outbox.queueStats(p.tenantId)).counts;

beforeAll(async () => {
  h = await startHarness();
  outbox.useClock(() => now);
  await seed(h.moodle);
  await seed(h.canvas);
});
afterAll(() => h.close());

describe('Moodle creates a placed column only when the teacher saves the activity form', () => {
  test('saved five minutes later: scores wait, then land in Moodle’s column; PD Pathways never makes its own', async () => {
    const { links, message } = await placeLinks(h, h.moodle, 'pdlead', ['dashboard'], ['dashboard'], { saveForm: false });
    expect(message).toContain('Save the activity to create its gradebook column');
    await finishGoal(h.moodle, 'teacher');
    await drain(5);
    expect(h.moodle.sim.ags.lineItems(h.moodle.course.id)).toHaveLength(0);
    expect(await stats(h.moodle)).toMatchObject({ dead: 0 });
    expect((await stats(h.moodle)).pending).toBeGreaterThanOrEqual(2);

    const staff = await h.launchAs(h.moodle, 'pdlead');
    const placement = (await placements.listPlacements(h.moodle.tenantId)).find((p) => p.kind === 'plan')!;
    expect(pageText((await staff.get('/gradebook')).text)).toContain('waiting for the LMS to create it');
    expect(pageText((await staff.get(`/gradebook/${placement._id}`)).text)).toContain('in Moodle it appears when the teacher saves the activity form');
    expect(pageText((await staff.get('/outbox')).text)).toContain('Waiting for the LMS');

    h.moodle.sim.saveActivityForm(links[0]!.id);
    await drain(20);
    const columns = h.moodle.sim.ags.lineItems(h.moodle.course.id);
    expect(columns).toHaveLength(1);
    const scores = h.moodle.sim.ags.scores(columns[0]!.id).filter((s) => s.userId === h.moodle.users.teacher.sub);
    expect(scores.at(-1)).toMatchObject({ scoreGiven: 100, activityProgress: 'Completed' });
    expect(await stats(h.moodle)).toMatchObject({ pending: 0, dead: 0 });
    expect(pageText((await staff.get('/gradebook')).text)).toContain('linked');
  });

  test('never saved: no column appears, nothing is dead-lettered, and PD staff are told what the teacher must do', async () => {
    const { links } = await placeLinks(h, h.moodle, 'pdlead', ['goal-ASMT1'], ['goal-ASMT1'], { saveForm: false });
    h.moodle.sim.cancelActivityForm(links[0]!.id);
    await finishGoal(h.moodle, 'teacher2');
    await drain(12, 15 * 60_000);
    expect(columnsWith(h.moodle, 'pdp-goal-ASMT1')).toHaveLength(0);
    expect(await stats(h.moodle)).toMatchObject({ dead: 0 });
    const placement = (await placements.listPlacements(h.moodle.tenantId)).find((p) => p.kind === 'goal')!;
    const staff = await h.launchAs(h.moodle, 'pdlead');
    expect(pageText((await staff.get(`/gradebook/${placement._id}`)).text)).toMatch(/saves the activity form.*if the teacher cancelled the form, place the link again/);
  });
});

describe('a platform that takes no line items with links', () => {
  test('PD Pathways creates the column itself, exactly once even with two workers at it', async () => {
    h.canvas.sim.acceptLineItems = false;
    try {
      const { picker } = await placeLinks(h, h.canvas, 'pdlead', ['dashboard'], ['dashboard']);
      expect(picker).toBeDefined();
      expect(columnsWith(h.canvas, 'pdp-plan')).toHaveLength(0);
      await finishGoal(h.canvas, 'teacher');
      for (let i = 0; i < 4; i++) {
        now = new Date(now.getTime() + 60_000);
        await Promise.all([outbox.deliverDue(), outbox.deliverDue()]);
      }
      const columns = columnsWith(h.canvas, 'pdp-plan');
      expect(columns).toHaveLength(1);
      expect(h.canvas.sim.ags.scores(columns[0]!.id).at(-1)).toMatchObject({ userId: h.canvas.users.teacher.sub, scoreGiven: 100 });
    } finally {
      h.canvas.sim.acceptLineItems = true;
    }
  });
});

describe('the gradebook shows what PD Pathways shows', () => {
  test('a goal whose activities are done but which still needs a reflection is not 100/Completed until the reflection', async () => {
    const { links } = await placeLinks(h, h.moodle, 'pdlead', ['goal-ASMT2'], ['goal-ASMT2']);
    const column = links[0]!.lineItemId!;
    const teacher = await h.launchAs(h.moodle, 'teacher3');
    const user = (await users.findBySub(h.moodle.tenantId, h.moodle.users.teacher3.sub))!;
    const by = { userId: user._id, name: user.name };
    const plan = await plans.ensureDraftPlan(h.moodle.tenantId, user._id, by);
    const goal = await plans.addGoal(h.moodle.tenantId, plan._id, { statement: 'Give feedback students act on', competency: 'ASMT2', targetLevel: '3', measure: 'Students revise within a week', targetDate: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10) }, by);
    await plans.addCustomActivity(h.moodle.tenantId, plan._id, goal._id, { title: 'Feedback study group', hours: '48', cost: '0' }, by);
    await plans.setCommitment(h.moodle.tenantId, plan._id, { agreed: 'on', text: 'Thursday team time' }, by);
    await plans.submitPlan(h.moodle.tenantId, plan._id, by);
    if ((await plans.getPlan(h.moodle.tenantId, plan._id)).status === 'submitted') await plans.decidePlan(h.moodle.tenantId, plan._id, { decision: 'approve', comment: 'Go.' }, { userId: new Types.ObjectId(), name: 'PD lead' });
    const activity = plans.findGoal(await plans.getPlan(h.moodle.tenantId, plan._id), goal._id).activities[0]!;
    await plans.setActivityProgress(h.moodle.tenantId, plan._id, goal._id, activity._id, { status: 'done' }, by);
    await drain(3);

    const page = pageText((await teacher.get(`/plans/${plan._id}/goals/${goal._id}`)).text);
    expect(page).toMatch(/reflection/i);
    const waiting = h.moodle.sim.ags.scores(column).filter((s) => s.userId === h.moodle.users.teacher3.sub).at(-1)!;
    expect(waiting.activityProgress).not.toBe('Completed');
    expect(waiting.scoreGiven).toBeLessThan(100);
    expect(waiting.comment).toContain('completes once a reflection is added');

    await plans.addReflection(h.moodle.tenantId, plan._id, goal._id, { planActivityId: String(activity._id), learned: 'Students act on specific feedback.', practice: 'I give one next step per student.' }, by);
    await drain(3);
    expect(h.moodle.sim.ags.scores(column).filter((s) => s.userId === h.moodle.users.teacher3.sub).at(-1)).toMatchObject({ scoreGiven: 100, activityProgress: 'Completed' });
  });
});
