import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import type { Flavor, SimCourse, SimResourceLink } from '../../src/demo/platform';
import { Role } from '../../src/demo/platform';
import * as frameworks from '../../src/frameworks/service';
import * as outbox from '../../src/outbox/service';
import * as placements from '../../src/placements/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, SimulatedPlatform, startHarness } from '../support/harness';
import { placeLinks } from '../support/placements';

// A course with placed, graded links is copied in the LMS: the copy's links must open the same pages and
// send scores to the copy's own gradebook columns, and no forged history may copy anything.

let h: Harness;
let now = new Date();
const activities = new Map<SimulatedPlatform, Types.ObjectId>();

async function drain(passes = 3): Promise<void> {
  for (let i = 0; i < passes; i++) {
    now = new Date(now.getTime() + 61_000);
    await outbox.deliverDue();
  }
}

async function seed(p: SimulatedPlatform): Promise<void> {
  await frameworks.ensureSampleFramework(p.tenantId);
  const by = { userId: new Types.ObjectId(), name: 'PD lead' };
  const input = await catalog.validateActivity(p.tenantId, { kind: 'lms-course', title: 'Questioning for thinking', provider: 'District LMS', competencies: ['ASMT1'], hours: '3', cost: '0', mode: 'online', timing: 'async', selfPaced: 'on', lmsCourseId: p.course.id });
  activities.set(p, (await catalog.createActivity(p.tenantId, input, by))._id);
}

/** A goal in ASMT1 assigned and completed, for the person behind `sub`. */
async function completeGoal(p: SimulatedPlatform, sub: string): Promise<void> {
  const user = (await users.findBySub(p.tenantId, sub))!;
  const activityId = activities.get(p)!;
  await plans.addAssignedGoal(p.tenantId, user._id, { assignmentKey: `copy-${new Types.ObjectId()}`, statement: 'Ask questions that make students think.', competency: 'ASMT1', rule: { kind: 'all' }, pathway: { id: new Types.ObjectId(), version: 1, title: 'Questioning' }, activities: [{ activityId, required: true }] });
  await plans.applyActivityCompletion(p.tenantId, { userId: user._id, activityId, completedAt: new Date(), source: 'lms' });
}

/** The copy: new LMS and LTI ids; teacher3 is enrolled only here, the PD lead teaches it. */
function copiedCourse(p: SimulatedPlatform, n: number): SimCourse {
  const id = p.sim.flavor === 'canvas' ? `52${n}0` : `${40 + n}`;
  return {
    id,
    contextId: p.sim.flavor === 'canvas' ? `copied-context-${n}-${'c'.repeat(24)}` : undefined,
    label: `PD-101-${n}`,
    title: `Teacher Professional Development, copy ${n}`,
    members: [
      { userSub: p.users.teacher3.sub, roles: [Role.learner] },
      { userSub: p.users.pdlead.sub, roles: [Role.instructor] },
    ],
  };
}

const contextOf = (c: SimCourse) => c.contextId ?? c.id;
const goalLink = (links: SimResourceLink[]) => links.find((l) => l.title.startsWith('Goal: '))!;
const inCourse = async (p: SimulatedPlatform, c: SimCourse) => placements.listPlacements(p.tenantId, contextOf(c));
const copiedAudits = (p: SimulatedPlatform) => h.db().collection('auditLog').countDocuments({ tenantId: p.tenantId, action: 'placement.copied' });

beforeAll(async () => {
  h = await startHarness();
  outbox.useClock(() => now);
  await seed(h.canvas);
  await seed(h.moodle);
});
afterAll(() => h.close());

describe.each<Flavor>(['canvas', 'moodle'])('%s: a copied course keeps its PD Pathways links', (flavor) => {
  const p = (): SimulatedPlatform => h[flavor];
  const copyB = (): SimCourse => copiedCourse(p(), 1);
  let original: SimResourceLink[];
  let copied: SimResourceLink[];

  test('links placed with columns in course A are copied by the LMS into course B with new ids and columns', async () => {
    original = (await placeLinks(h, p(), 'pdlead', ['dashboard', 'goal-ASMT1'], ['dashboard', 'goal-ASMT1'])).links;
    // A teacher uses the goal link in course A; the tool learns that resource link.
    await h.launchAs(p(), 'teacher', { resourceLink: { id: goalLink(original).id } });
    copied = p().sim.copyCourse(p().course.id, copyB());
    expect(copied.map((l) => l.history?.[0]).sort()).toEqual(original.map((l) => l.id).sort());
    expect(p().sim.ags.lineItems(copyB().id).map((c) => [c.resourceId, c.tag]).sort()).toEqual([['pdp-goal-ASMT1', 'pd-goal'], ['pdp-plan', 'pd-plan']]);
    expect(await inCourse(p(), copyB())).toEqual([]);
  });

  test('the first launch in course B recognises the origin and copies its placement', async () => {
    const goal = goalLink(copied);
    const opened = await h.launchAs(p(), 'teacher3', { course: copyB().id, resourceLink: { id: goal.id } });
    expect(pageText(opened.launch.text)).toContain('No goal in');
    const [copy] = await inCourse(p(), copyB());
    const [from] = (await inCourse(p(), p().course)).filter((x) => x.kind === 'goal');
    expect(copy).toMatchObject({ kind: 'goal', ref: 'ASMT1', target: from!.target, resourceId: from!.resourceId, tag: from!.tag, lineItem: from!.lineItem, columnBy: from!.columnBy, resourceLinkIds: [goal.id], copiedFrom: { placementId: from!._id, contextId: contextOf(p().course) } });
    expect(copy!.lineItemUrl).toBeUndefined();
  });

  test('a goal completed by a teacher of course B scores in course B’s column, never in course A’s', async () => {
    await h.launchAs(p(), 'teacher3', { course: copyB().id, resourceLink: { id: copied.find((l) => l.title === 'My PD plan')!.id } });
    await completeGoal(p(), p().users.teacher3.sub);
    await drain();
    const latest = (link: SimResourceLink) => p().sim.ags.scores(link.lineItemId).filter((s) => s.userId === p().users.teacher3.sub).at(-1);
    for (const link of copied) expect(latest(link)).toMatchObject({ scoreGiven: 100, activityProgress: 'Completed' });
    for (const link of original) expect(latest(link)).toBeUndefined();
    const copies = await inCourse(p(), copyB());
    expect(copies.map((c) => c.lineItemUrl).sort()).toEqual(copied.map((l) => l.lineItemId).sort());
  });

  test('Gradebook links shows PD staff the copy, its course, where it came from and its column', async () => {
    const staff = await h.launchAs(p(), 'pdlead');
    const list = pageText((await staff.get('/gradebook')).text);
    expect(list).toContain(`${copyB().title} My PD plan`);
    expect(list).toContain(`copied with the course from ${p().course.title}`);
    const [copy] = (await inCourse(p(), copyB())).filter((c) => c.kind === 'goal');
    const page = pageText((await staff.get(`/gradebook/${copy!._id}`)).text);
    expect(page).toMatch(new RegExp(`Course ${copyB().title}.*Copied from ${p().course.title}`));
    expect(page).toContain('linked to the LMS column');
  });

  test('repeat launches in course B copy nothing again', async () => {
    const before = { placements: (await inCourse(p(), copyB())).length, audits: await copiedAudits(p()), columns: p().sim.ags.lineItems().length };
    for (const persona of ['teacher3', 'pdlead', 'teacher3'] as const) {
      for (const link of copied) await h.launchAs(p(), persona, { course: copyB().id, resourceLink: { id: link.id } });
    }
    expect(before).toMatchObject({ placements: 2, audits: 2 });
    expect((await inCourse(p(), copyB())).length).toBe(before.placements);
    expect(await copiedAudits(p())).toBe(before.audits);
    expect(p().sim.ags.lineItems().length).toBe(before.columns);
  });

  test('a platform that also sends the link history: a copy of the copy comes from the most recent copy', async () => {
    p().sim.sendsLinkHistory = true;
    try {
      const copyC = copiedCourse(p(), 2);
      const again = goalLink(p().sim.copyCourse(copyB().id, copyC));
      await h.launchAs(p(), 'pdlead', { course: copyC.id, resourceLink: { id: again.id } });
      const [copy] = await inCourse(p(), copyC);
      expect(copy).toMatchObject({ kind: 'goal', copiedFrom: { contextId: contextOf(copyB()) } });
    } finally {
      p().sim.sendsLinkHistory = false;
    }
  });
});

describe('a column PD Pathways created (the LMS took no line items with the link)', () => {
  test('the copied course gets its own column from PD Pathways; the old column gets nothing', async () => {
    const p = h.canvas;
    const courseA: SimCourse = { ...copiedCourse(p, 3), members: [{ userSub: p.users.pdlead.sub, roles: [Role.instructor] }] };
    p.sim.addCourse(courseA);
    p.sim.acceptLineItems = false;
    try {
      const [placed] = (await placeLinks(h, p, 'pdlead', ['dashboard'], ['dashboard'], { course: courseA.id })).links;
      await h.launchAs(p, 'pdlead', { course: courseA.id, resourceLink: { id: placed!.id } });
      await drain();
      const [columnA] = p.sim.ags.lineItems(courseA.id);
      expect(columnA).toMatchObject({ resourceId: 'pdp-plan', tag: 'pd-plan' });

      const courseB = copiedCourse(p, 4);
      const [copiedLink] = p.sim.copyCourse(courseA.id, courseB);
      expect(p.sim.ags.lineItems(courseB.id)).toEqual([]);
      await h.launchAs(p, 'teacher3', { course: courseB.id, resourceLink: { id: copiedLink!.id } });
      await completeGoal(p, p.users.teacher3.sub);
      await drain();
      const columnsB = p.sim.ags.lineItems(courseB.id);
      expect(columnsB.map((c) => [c.resourceId, c.tag])).toEqual([['pdp-plan', 'pd-plan']]);
      const teacher3 = (column: { id: string }) => p.sim.ags.scores(column.id).filter((s) => s.userId === p.users.teacher3.sub);
      expect(teacher3(columnsB[0]!).at(-1)).toMatchObject({ scoreGiven: 100, activityProgress: 'Completed' });
      expect(teacher3(columnA!)).toEqual([]);
    } finally {
      p.sim.acceptLineItems = true;
    }
  });
});

describe('a forged history copies nothing', () => {
  const forgedCourse = (p: SimulatedPlatform, id: string): SimCourse => ({ ...copiedCourse(p, 9), id, contextId: p.sim.flavor === 'canvas' ? `forged-${id}` : undefined });

  test.each<[Flavor, Flavor]>([
    ['canvas', 'moodle'],
    ['moodle', 'canvas'],
  ])('a %s launch naming the links and course of the %s district', async (flavor, other) => {
    const p = h[flavor];
    const victim = h[other];
    const course = forgedCourse(p, flavor === 'canvas' ? '6100' : '61');
    p.sim.addCourse(course);
    const victimLinks = victim.sim.resourceLinks().filter((l) => l.courseId === victim.course.id);
    const custom = { pdp_target: '/dashboard', pdp_placement: 'pdp-plan', resource_link_history: victimLinks.map((l) => l.id).join(','), context_history: contextOf(victim.course) };
    const before = await placements.listPlacements(p.tenantId);
    const opened = await h.launchAs(p, 'teacher3', { course: course.id, resourceLink: { id: `forged-${flavor}` }, custom });
    expect(opened.launch.status).toBe(200);
    expect(await placements.listPlacements(p.tenantId)).toEqual(before);
  });

  test('a history naming a course of another deployment of the same platform', async () => {
    const p = h.canvas;
    const l = { contextId: 'other-deployment-course', deploymentId: 'another-deployment', resourceLinkId: 'rl-x', placement: 'pdp-plan', target: '/dashboard', history: { resourceLinks: [], contexts: [contextOf(p.course)] } };
    expect(await placements.recognisePlacedLink(p.tenantId, l)).toBeUndefined();
    expect(await placements.listPlacements(p.tenantId, l.contextId)).toEqual([]);
  });
});
