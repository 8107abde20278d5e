import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as credentials from '../../src/credentials/service';
import type { Score, SimResourceLink } from '../../src/demo/platform';
import * as frameworks from '../../src/frameworks/service';
import { LTI_SCOPES } from '../../src/lti/message/scopes';
import * as outbox from '../../src/outbox/service';
import * as pathways from '../../src/pathways/service';
import * as placements from '../../src/placements/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { Harness, Persona, SimulatedPlatform, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { placeLinks } from '../support/placements';

let h: Harness;
let now = new Date();
const achievementIds = new Map<SimulatedPlatform, Types.ObjectId>();

/** Worker passes a minute apart (fake time): enough for the column grace period and short backoffs. */
async function drain(passes = 5, stepMs = 61_000): Promise<void> {
  for (let i = 0; i < passes; i++) {
    now = new Date(now.getTime() + stepMs);
    await outbox.deliverDue();
  }
}

async function seed(p: SimulatedPlatform): Promise<void> {
  await frameworks.ensureSampleFramework(p.tenantId);
  const course = await catalog.validateActivity(p.tenantId, { kind: 'lms-course', title: 'Formative Assessment Online', provider: 'District LMS', competencies: ['ASMT1'], hours: '6', cost: '0', mode: 'online', timing: 'async', selfPaced: 'on', lmsCourseId: p.course.id });
  courseActivities.set(p, (await catalog.createActivity(p.tenantId, course, { userId: new Types.ObjectId(), name: 'PD lead' }))._id);
  const input = await credentials.validateAchievement(p.tenantId, { name: 'Formative Assessment Practitioner', description: 'Completed the formative assessment pathway.', criteria: 'Finish every activity of the pathway.', competencies: ['ASMT1'] });
  const achievement = await credentials.createAchievement(p.tenantId, input, undefined, { userId: new Types.ObjectId(), name: 'PD lead' });
  achievementIds.set(p, achievement._id);
}

const courseActivities = new Map<SimulatedPlatform, Types.ObjectId>();

async function lmsCourseActivity(p: SimulatedPlatform): Promise<{ _id: Types.ObjectId }> {
  return { _id: courseActivities.get(p)! };
}

/** PD staff assigned a one-course pathway with a badge; the teacher then finishes the course in the LMS. */
async function assignAndFinish(p: SimulatedPlatform, persona: Persona, pathwayId = new Types.ObjectId()): Promise<Types.ObjectId> {
  const user = (await users.findBySub(p.tenantId, p.users[persona].sub))!;
  const activity = await lmsCourseActivity(p);
  await plans.addAssignedGoal(p.tenantId, user._id, {
    assignmentKey: `formative-${pathwayId}`,
    statement: 'Use formative assessment every week to adjust my teaching.',
    competency: 'ASMT1',
    rule: { kind: 'all' },
    achievementId: achievementIds.get(p),
    pathway: { id: pathwayId, version: 1, title: 'Formative assessment' },
    activities: [{ activityId: activity._id, required: true }],
  });
  await plans.applyActivityCompletion(p.tenantId, { userId: user._id, activityId: activity._id, completedAt: new Date(), source: 'lms' });
  return user._id;
}

function scoresFor(p: SimulatedPlatform, link: SimResourceLink, persona: Persona): Score[] {
  return p.sim.ags.scores(link.lineItemId).filter((s) => s.userId === p.users[persona].sub);
}

function agsTokenRequests(p: SimulatedPlatform): number {
  return p.sim.tokenRequests.filter((t) => t.status === 200 && t.scope.includes(LTI_SCOPES.score)).length;
}

/** No score was accepted twice: each (line item, user, timestamp) appears once in the platform's log. */
function expectNoDuplicateScores(p: SimulatedPlatform): void {
  const keys = p.sim.ags.scores().map((s) => `${s.lineItemId} ${s.userId} ${s.timestamp}`);
  expect(new Set(keys).size).toBe(keys.length);
}

beforeAll(async () => {
  h = await startHarness();
  outbox.useClock(() => now);
  await seed(h.canvas);
  await seed(h.moodle);
});
afterAll(() => h.close());

describe('Canvas: placing links with gradebook columns, then grade-back and a badge', () => {
  let links: Record<string, SimResourceLink>;

  test('the picker places the plan, a badge and a goal with columns; the platform creates each column once', async () => {
    const badge = `badge-${achievementIds.get(h.canvas)}`;
    const placed = await placeLinks(h, h.canvas, 'pdlead', ['dashboard', badge, 'goal-ASMT1', 'badges'], ['dashboard', badge, 'goal-ASMT1']);
    const byTitle = (prefix: string) => placed.links.find((l) => l.title.startsWith(prefix))!;
    links = { plan: byTitle('My PD plan'), badge: byTitle('Badge: '), goal: byTitle('Goal: '), wall: byTitle('My badges') };
    expect(placed.links).toHaveLength(4);
    expect(links.wall!.lineItemId).toBeUndefined();
    const columns = h.canvas.sim.ags.lineItems(h.canvas.course.id);
    expect(columns.map((c) => [c.label, c.scoreMaximum, c.resourceId, c.tag])).toEqual(
      expect.arrayContaining([
        ['PD plan progress', 100, 'pdp-plan', 'pd-plan'],
        ['Badge: Formative Assessment Practitioner', 1, `pdp-badge-${achievementIds.get(h.canvas)}`, 'pd-badge'],
        [expect.stringMatching(/^Goal: /), 100, 'pdp-goal-ASMT1', 'pd-goal'],
      ]),
    );
    expect(columns).toHaveLength(3);
    const recorded = await placements.listPlacements(h.canvas.tenantId);
    expect(recorded.map((p) => [p.kind, p.target, !!p.lineItem?.label])).toEqual(
      expect.arrayContaining([['plan', '/dashboard', true], ['badge', '/badges', true], ['goal', '/placed/goal/ASMT1', true], ['badges', '/badges', false]]),
    );
  });

  test('launching a placed link lands the teacher on its target', async () => {
    const plan = await h.launchAs(h.canvas, 'teacher', { resourceLink: { id: links.plan!.id } });
    expect(plan.launch.text).toContain('<h1>My PD plan</h1>');
    const wall = await h.launchAs(h.canvas, 'teacher', { resourceLink: { id: links.wall!.id } });
    expect(wall.launch.text).toContain('<h1>My badges</h1>');
    const goal = await h.launchAs(h.canvas, 'teacher2', { resourceLink: { id: links.goal!.id } });
    expect(pageText(goal.launch.text)).toContain('No goal in');
  });

  test('a teacher finishes the mapped course: goal complete, scores in every placed column, the badge verifies', async () => {
    const tokensBefore = agsTokenRequests(h.canvas);
    const userId = await assignAndFinish(h.canvas, 'teacher');
    await drain(2);

    const plan = (await plans.currentPlan(h.canvas.tenantId, userId))!;
    expect(plan.goals[0]!.status).toBe('completed');
    expect(scoresFor(h.canvas, links.plan!, 'teacher').at(-1)).toMatchObject({ scoreGiven: 100, scoreMaximum: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
    expect(scoresFor(h.canvas, links.goal!, 'teacher').at(-1)).toMatchObject({ scoreGiven: 100, activityProgress: 'Completed' });
    const badgeScore = scoresFor(h.canvas, links.badge!, 'teacher').at(-1)!;
    expect(badgeScore).toMatchObject({ scoreGiven: 1, scoreMaximum: 1, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });

    const verifyUrl = /Verify it at (\S+)/.exec(badgeScore.comment ?? '')?.[1];
    expect(verifyUrl).toBeDefined();
    const page = await fetch(verifyUrl!);
    expect(page.status).toBe(200);
    expect(pageText(await page.text())).toMatch(/Formative Assessment Practitioner.*Awarded by Test Canvas.*Verified/);

    expect(h.canvas.sim.ags.lineItems(h.canvas.course.id)).toHaveLength(3);
    expect(agsTokenRequests(h.canvas) - tokensBefore).toBeLessThanOrEqual(1);
    expectNoDuplicateScores(h.canvas);
  });

  test('redelivered events change nothing: no second credential, no repeated score', async () => {
    const user = (await users.findBySub(h.canvas.tenantId, h.canvas.users.teacher.sub))!;
    const before = h.canvas.sim.ags.scores().length;
    const plan = (await plans.currentPlan(h.canvas.tenantId, user._id))!;
    const goal = plan.goals[0]!;
    const { emit } = await import('../../src/events');
    await emit('goal.completed', { tenantId: h.canvas.tenantId, userId: user._id, planId: plan._id, goalId: goal._id, achievementId: achievementIds.get(h.canvas) });
    await emit('plan.progress', { tenantId: h.canvas.tenantId, userId: user._id, planId: plan._id, progress: plan.progress });
    await drain(2);
    expect(await credentials.credentialsOf(h.canvas.tenantId, user._id)).toHaveLength(1);
    expect(h.canvas.sim.ags.scores().length).toBe(before);
  });

  test('a pathway assigned into the plan lowers its progress, and the gradebook follows', async () => {
    const user = (await users.findBySub(h.canvas.tenantId, h.canvas.users.teacher.sub))!;
    await plans.addAssignedGoal(h.canvas.tenantId, user._id, {
      assignmentKey: `later-${new Types.ObjectId()}`,
      statement: 'Give feedback students act on within a week.',
      competency: 'ASMT2',
      rule: { kind: 'all' },
      pathway: { id: new Types.ObjectId(), version: 1, title: 'Feedback that works' },
      activities: [{ activityId: courseActivities.get(h.canvas)!, required: true }],
    });
    const plan = (await plans.currentPlan(h.canvas.tenantId, user._id))!;
    expect(plan.progress).toBeLessThan(1);
    await drain(2);
    expect(scoresFor(h.canvas, links.plan!, 'teacher').at(-1)).toMatchObject({ scoreGiven: Math.round(plan.progress * 100), activityProgress: 'InProgress' });
  });

  test('the gradebook page shows PD staff each column and what was posted', async () => {
    const staff = await h.launchAs(h.canvas, 'pdlead');
    const list = await staff.get('/gradebook');
    expect(list.status).toBe(200);
    const text = pageText(list.text);
    expect(text).toContain('PD plan progress linked');
    expect(text).toMatch(/1 posted/);
    const teacher = await h.launchAs(h.canvas, 'teacher');
    expect((await teacher.get('/gradebook')).status).toBe(403);
  });
});

describe('platform quirks: scores some users cannot receive are recorded as not applicable, never retried', () => {
  test('Moodle answers 200 with an empty body for a student and 400 for a non-gradable instructor', async () => {
    const { links } = await placeLinks(h, h.moodle, 'pdlead', ['dashboard'], ['dashboard']);
    const plan = links[0]!;
    await h.launchAs(h.moodle, 'teacher', { resourceLink: { id: plan.id } });
    await h.launchAs(h.moodle, 'pdlead', { resourceLink: { id: plan.id } });
    await assignAndFinish(h.moodle, 'teacher');
    const leadId = await assignAndFinish(h.moodle, 'pdlead');
    await drain(3);
    expect(scoresFor(h.moodle, plan, 'teacher').at(-1)).toMatchObject({ scoreGiven: 100, activityProgress: 'Completed' });
    expect(scoresFor(h.moodle, plan, 'pdlead')).toHaveLength(0);
    const placement = (await placements.listPlacements(h.moodle.tenantId)).find((p) => p.kind === 'plan')!;
    const grades = await placements.gradesOf(h.moodle.tenantId, placement._id);
    expect(grades.find((g) => g.userId.equals(leadId))).toMatchObject({ status: 'not-applicable', note: expect.stringContaining('(400)') });
    const stats = await outbox.queueStats(h.moodle.tenantId);
    expect(stats.counts).toMatchObject({ pending: 0, leased: 0, dead: 0 });
    expect(stats.counts['not-applicable']).toBeGreaterThanOrEqual(1);

    // Moodle keeps whole seconds and refuses a timestamp that is not newer: scores within one second still land.
    for (let i = 0; i < 2; i++) {
      await placements.resyncPlacement(h.moodle.tenantId, placement._id, { userId: leadId, name: 'PD lead' });
      await outbox.deliverDue();
    }
    const times = scoresFor(h.moodle, plan, 'teacher').map((s) => Date.parse(s.timestamp));
    expect(times).toHaveLength(3);
    times.slice(1).forEach((t, i) => expect(t - times[i]!).toBeGreaterThanOrEqual(1000));
  });

  test('Canvas refuses a mentor (not a student) and may 404 a student’s score while the column exists', async () => {
    const plan = (await placements.listPlacements(h.canvas.tenantId)).find((p) => p.kind === 'plan')!;
    const planLink = h.canvas.sim.resourceLinks().find((l) => l.lineItemId && l.title === 'My PD plan')!;
    await h.launchAs(h.canvas, 'coach', { resourceLink: { id: planLink.id } });
    const coachId = await assignAndFinish(h.canvas, 'coach');
    await drain(2);
    expect((await placements.gradesOf(h.canvas.tenantId, plan._id)).find((g) => g.userId.equals(coachId))).toMatchObject({ status: 'not-applicable', note: expect.stringContaining('(422)') });

    await h.launchAs(h.canvas, 'teacher3', { resourceLink: { id: planLink.id } });
    h.canvas.sim.faults.add({ path: '/scores', method: 'POST', status: 404, times: 1 });
    const teacher3 = await assignAndFinish(h.canvas, 'teacher3');
    await drain(2);
    const columns = await placements.listPlacements(h.canvas.tenantId);
    const grades = (await Promise.all(columns.map((c) => placements.gradesOf(h.canvas.tenantId, c._id)))).flat().filter((g) => g.userId.equals(teacher3));
    expect(grades.filter((g) => g.status === 'not-applicable').map((g) => g.note)).toEqual([expect.stringContaining('(404)')]);
    expect(grades.filter((g) => g.status === 'posted').length).toBeGreaterThanOrEqual(1);
    expect(h.canvas.sim.ags.lineItems(h.canvas.course.id)).toHaveLength(3);
  });
});

describe('a pathway placed with a column', () => {
  test('the link opens the pathway; a teacher who enrols and finishes it gets 100 in its column', async () => {
    const by = { userId: new Types.ObjectId(), name: 'PD lead' };
    const input = await pathways.validatePathway(h.moodle.tenantId, { title: 'Formative assessment starter', steps: [{ activityId: String(courseActivities.get(h.moodle)), required: 'on' }], selfEnrol: 'on' });
    const draft = await pathways.createPathway(h.moodle.tenantId, input, by);
    const published = await pathways.publish(h.moodle.tenantId, draft._id, by);
    const { links } = await placeLinks(h, h.moodle, 'pdlead', [`pathway-${published.slug}`], [`pathway-${published.slug}`]);
    const link = links[0]!;
    expect(h.moodle.sim.ags.lineItems(h.moodle.course.id).find((c) => c.id === link.lineItemId)).toMatchObject({ label: 'Pathway: Formative assessment starter', resourceId: `pdp-pathway-${published.slug}`, tag: 'pd-pathway' });

    const opened = await h.launchAs(h.moodle, 'teacher2', { resourceLink: { id: link.id } });
    expect(pageText(opened.launch.text)).toContain('Formative assessment starter');
    const user = (await users.findBySub(h.moodle.tenantId, h.moodle.users.teacher2.sub))!;
    await pathways.selfEnrol(h.moodle.tenantId, published._id, { userId: user._id, name: user.name });
    await plans.applyActivityCompletion(h.moodle.tenantId, { userId: user._id, activityId: courseActivities.get(h.moodle)!, completedAt: new Date(), source: 'lms' });
    await drain(2);
    expect(scoresFor(h.moodle, link, 'teacher2').at(-1)).toMatchObject({ scoreGiven: 100, activityProgress: 'Completed' });
  });
});

describe('faults: every score arrives once the platform recovers, none twice', () => {
  const planColumn = () => h.canvas.sim.resourceLinks().find((l) => l.lineItemId && l.title === 'My PD plan')!;
  const pending = async () => (await outbox.queueStats(h.canvas.tenantId)).counts;
  const resync = async () => {
    const plan = (await placements.listPlacements(h.canvas.tenantId)).find((p) => p.kind === 'plan')!;
    await placements.resyncPlacement(h.canvas.tenantId, plan._id, { userId: new Types.ObjectId(), name: 'PD lead' });
  };

  test('a ten-minute AGS outage (500s): scores wait, back off, and all arrive after recovery', async () => {
    await h.launchAs(h.canvas, 'teacher2', { resourceLink: { id: planColumn().id } });
    const outage = h.canvas.sim.faults.add({ path: '/scores', status: 500 });
    await assignAndFinish(h.canvas, 'teacher2');
    await drain(10, 60_000);
    expect(scoresFor(h.canvas, planColumn(), 'teacher2')).toHaveLength(0);
    expect(outage.hits).toBeGreaterThan(3);
    expect((await pending()).dead).toBe(0);
    expect((await pending()).pending).toBeGreaterThanOrEqual(3);

    h.canvas.sim.faults.remove(outage);
    await drain(8);
    expect(scoresFor(h.canvas, planColumn(), 'teacher2')).toHaveLength(1);
    const badge = h.canvas.sim.resourceLinks().find((l) => l.title.startsWith('Badge: '))!;
    const [badgeScore] = scoresFor(h.canvas, badge, 'teacher2');
    expect(scoresFor(h.canvas, badge, 'teacher2')).toHaveLength(1);
    const verify = await fetch(/Verify it at (\S+)/.exec(badgeScore!.comment ?? '')![1]!);
    expect(pageText(await verify.text())).toMatch(/Awarded by Test Canvas.*Verified/);
    expect(await pending()).toMatchObject({ pending: 0, leased: 0, dead: 0 });
    expectNoDuplicateScores(h.canvas);
  });

  test('429 with Retry-After: the tenant’s queue waits that long, then delivers', async () => {
    const before = h.canvas.sim.ags.scores().length;
    h.canvas.sim.faults.add({ path: '/scores', status: 429, retryAfterSeconds: 120, times: 1 });
    await resync();
    await outbox.deliverDue();
    now = new Date(now.getTime() + 60_000);
    await outbox.deliverDue();
    expect(h.canvas.sim.ags.scores().length).toBe(before);
    await drain(2);
    expect(h.canvas.sim.ags.scores().length).toBeGreaterThan(before);
    expect((await pending()).pending).toBe(0);
    expectNoDuplicateScores(h.canvas);
  });

  test('the token endpoint down: nothing is lost, scores go out once it answers again', async () => {
    const before = h.canvas.sim.ags.scores().length;
    h.canvas.sim.revokeAccessTokens();
    const down = h.canvas.sim.faults.add({ path: '/login/oauth2/token', status: 503 });
    await resync();
    await drain(3);
    expect(h.canvas.sim.ags.scores().length).toBe(before);
    expect((await pending()).dead).toBe(0);
    h.canvas.sim.faults.remove(down);
    await drain(6);
    expect(h.canvas.sim.ags.scores().length).toBeGreaterThan(before);
    expect((await pending()).pending).toBe(0);
    expectNoDuplicateScores(h.canvas);
  });

  test('a refused delivery gives up at once; PD staff see why on the outbox page and retry it', async () => {
    const refused = h.canvas.sim.faults.add({ path: '/scores', status: 403, body: { errors: [{ message: 'Insufficient scope' }] } });
    await resync();
    await drain(1);
    h.canvas.sim.faults.remove(refused);
    const staff = await h.launchAs(h.canvas, 'pdlead');
    const page = pageText((await staff.get('/outbox?show=dead')).text);
    expect(page).toMatch(/Gave up \([1-9]\d*\)/);
    expect(page).toContain('answered 403');
    const dead = await outbox.listMessages(h.canvas.tenantId, ['dead']);
    expect((await staff.post(`/outbox/${dead[0]!._id}/retry`)).status).toBe(303);
    expect((await staff.post('/outbox/retry-dead')).status).toBe(303);
    await drain(2);
    expect(await pending()).toMatchObject({ pending: 0, dead: 0 });
    const teacher = await h.launchAs(h.canvas, 'teacher');
    expect((await teacher.post('/outbox/retry-dead')).status).toBe(403);
    expectNoDuplicateScores(h.canvas);
  });

  test('slow responses are waited for, and a steady stream of scores reuses one token', async () => {
    const tokens = agsTokenRequests(h.canvas);
    h.canvas.sim.faults.add({ path: '/scores', latencyMs: 300, times: 4 });
    for (let i = 0; i < 3; i++) {
      await resync();
      await drain(1);
    }
    expect((await pending()).pending).toBe(0);
    expect(agsTokenRequests(h.canvas)).toBe(tokens);
    expectNoDuplicateScores(h.canvas);
  });
});
