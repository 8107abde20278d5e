import mongoose, { Types } from 'mongoose';
import type * as catalog from '../../src/catalog/service';
import * as completions from '../../src/completions/service';
import * as plans from '../../src/plans/service';
import { registerAllReactions } from '../../src/reactions';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { useTestDatabase } from '../support/db';
import { planWith, sampleCatalog } from '../support/completions';

// Applying the ledger to plans a batch at a time: every event once, and the same plans as one at a time.

let db: { stop(): Promise<void> };
let tenantId: Types.ObjectId;
let courses: catalog.ActivityDoc[];
const COURSE_IDS = ['6101', '6102', '6103', '6104', '6105', '6106'];

beforeAll(async () => {
  registerAllReactions();
  db = await useTestDatabase();
  tenantId = (await tenants.upsertTenant({ issuer: 'https://canvas.apply.example', clientId: 'apply', name: 'Apply district', family: 'canvas', deploymentIds: ['1'], source: 'cli' }))._id;
  courses = (await sampleCatalog(tenantId, COURSE_IDS)).filter((a) => a.lmsCourseId && COURSE_IDS.includes(a.lmsCourseId) && !a.certificateRequired);
  expect(courses.length).toBeGreaterThanOrEqual(2);
}, 120_000);
afterAll(async () => {
  await completions.settled();
  await db.stop();
});

async function teachers(n: number, prefix: string) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const canvasId = `${prefix}${i}`;
    const person = await users.ensurePerson(tenantId, { name: `Teacher ${canvasId}`, canvasId });
    await planWith(tenantId, { userId: person._id, name: person.name }, courses);
    out.push({ userId: person._id, canvasId });
  }
  return out;
}

const completion = (canvasId: string, course: catalog.ActivityDoc, day: number) => ({ source: 'canvas-rest' as const, courseId: course.lmsCourseId!, lmsUserId: canvasId, userIdKind: 'canvasId' as const, completedAt: new Date(Date.UTC(2025, 4, day)) });

const count = (collection: string, filter: Record<string, unknown>) => mongoose.connection.db!.collection(collection).countDocuments({ tenantId, ...filter });

async function goalOf(userId: Types.ObjectId) {
  const plan = (await plans.currentPlan(tenantId, userId))!;
  const goal = plan.goals[0]!;
  return { planProgress: plan.progress, status: goal.status, progress: goal.progress, activities: goal.activities.map((a) => a.status) };
}

test('every ingested event is applied exactly once, in one batch, and working the batch again changes nothing', async () => {
  const people = await teachers(3, '41');
  // Each teacher completes every course; the LMS also reports one course twice (a later completion time).
  const inputs = people.flatMap((p) => courses.map((c, k) => completion(p.canvasId, c, 1 + k)));
  const repeat = completion(people[0]!.canvasId, courses[0]!, 20);
  await completions.ingestNew(tenantId, [...inputs, repeat]);
  await completions.settled();

  const events = await completions.listEvents(tenantId, { source: 'canvas-rest', limit: 100 });
  expect(events).toHaveLength(inputs.length + 1);
  const first = events.filter((e) => e.completedAt.getTime() !== repeat.completedAt.getTime());
  expect(first.map((e) => e.status)).toEqual(first.map(() => 'applied'));
  expect(first.map((e) => e.applied.length)).toEqual(first.map(() => 1));
  expect(events.find((e) => e.completedAt.getTime() === repeat.completedAt.getTime())!.status).toBe('ignored-duplicate');
  for (const p of people) {
    const plan = (await plans.currentPlan(tenantId, p.userId))!;
    const done = plan.goals[0]!.activities;
    expect(done.map((a) => a.status)).toEqual(courses.map(() => 'done'));
    // Each activity records the event that completed it, and that event is the teacher's own for that course.
    for (const a of done) expect(first.find((e) => e._id.equals(a.completionEventId!))).toMatchObject({ lmsUserId: p.canvasId, activityIds: [a.activityId] });
    expect(plan.goals[0]!.status).toBe('completed');
  }
  expect(await count('creditrecords', {})).toBe(inputs.length);
  expect(await count('notifications', { kind: 'completion.synced' })).toBe(inputs.length);
  expect(await count('notifications', { kind: 'goal.completed' })).toBe(people.length);

  // The processor works all of them again (as after a crash between writing the plans and recording the events).
  await mongoose.connection.db!.collection('completionEvents').updateMany({ tenantId, _id: { $in: first.map((e) => e._id) } }, { $set: { status: 'received' } });
  await completions.processPending();
  const again = await completions.listEvents(tenantId, { source: 'canvas-rest', limit: 100 });
  expect(again.filter((e) => e.status === 'applied').map((e) => e.applied.length)).toEqual(first.map(() => 1));
  expect(await count('creditrecords', {})).toBe(inputs.length);
  expect(await count('notifications', { kind: 'completion.synced' })).toBe(inputs.length);
  expect(await count('notifications', { kind: 'goal.completed' })).toBe(people.length);
});

test('two completions of one goal applied in one batch leave the plan as applying them one after the other does', async () => {
  const [together, apart] = await teachers(2, '52');
  const [a, b] = courses;
  const ids = async (p: { canvasId: string }) => {
    const ingested = [];
    for (const [k, c] of [a!, b!].entries()) ingested.push((await completions.ingest(tenantId, completion(p.canvasId, c, 1 + k))).eventId);
    return ingested;
  };
  const both = await ids(together!);
  const each = await ids(apart!);
  // ingest() leaves them received: one teacher's two events are worked as one batch, the other's one at a time.
  completions.processSoon(tenantId, both);
  await completions.settled();
  for (const id of each) expect(await completions.processEvent(tenantId, id)).toBe('applied');
  expect((await completions.listEvents(tenantId, { q: together!.canvasId })).map((e) => e.status)).toEqual(['applied', 'applied']);
  expect(await goalOf(together!.userId)).toEqual(await goalOf(apart!.userId));
  expect((await goalOf(together!.userId)).activities.filter((s) => s === 'done')).toHaveLength(2);
  for (const p of [together!, apart!]) expect(await count('creditrecords', { userId: p.userId })).toBe(2);
});

test("a batch's listeners cost the same database commands for twelve teachers as for three: one read and one write for the batch, not for each event", async () => {
  const db = mongoose.connection.db!;
  // Everyone launched from one course with a graded plan column, so each completion also queues a score.
  const contextId = 'apply-graded-course';
  await db.collection('placements').insertOne({ tenantId, contextId, kind: 'plan', ref: '', title: 'My PD plan', target: 'plan', resourceId: 'apply-plan', tag: 'pdp-plan', lineItem: { label: 'PD plan', scoreMaximum: 100 }, columnBy: 'platform', resourceLinkIds: [], createdAt: new Date(), updatedAt: new Date() });
  const commands = async () => {
    const status = await db.admin().command({ serverStatus: 1 });
    return Object.entries(status.metrics.commands as Record<string, { total: number }>).filter(([name]) => !['serverStatus', 'hello', 'isMaster', 'ismaster', 'ping', 'endSessions'].includes(name)).reduce((sum, [, c]) => sum + Number(c.total), 0);
  };
  const applyFor = async (n: number, prefix: string) => {
    const people = await teachers(n, prefix);
    await db.collection('users').bulkWrite(people.map((p) => ({ updateOne: { filter: { tenantId, _id: p.userId }, update: { $set: { sub: `apply-sub-${p.canvasId}`, contextIds: [contextId] } } } })));
    const ids: Types.ObjectId[] = [];
    for (const p of people) for (const [k, c] of courses.slice(0, 2).entries()) ids.push((await completions.ingest(tenantId, completion(p.canvasId, c, 1 + k))).eventId);
    const before = await commands();
    completions.processSoon(tenantId, ids);
    await completions.settled();
    const used = (await commands()) - before;
    const events = await completions.listEvents(tenantId, { source: 'canvas-rest', limit: 500 });
    expect(events.filter((e) => ids.some((id) => id.equals(e._id))).map((e) => e.status)).toEqual(ids.map(() => 'applied'));
    expect(await count('creditrecords', { userId: { $in: people.map((p) => p.userId) } })).toBe(2 * n);
    expect(await count('gradebacks', { userId: { $in: people.map((p) => p.userId) } })).toBe(n);
    expect(await count('outbox', { kind: 'ags-score', 'payload.userId': { $in: people.map((p) => String(p.userId)) } })).toBe(n);
    return used;
  };
  const three = await applyFor(3, '63');
  const twelve = await applyFor(12, '64');
  expect(twelve).toBe(three);
});

test("the processor job works batches side by side, and one teacher's completions in two of them both reach the plan once", async () => {
  const [teacher] = await teachers(1, '75');
  const [a, b] = courses;
  const first = (await completions.ingest(tenantId, completion(teacher!.canvasId, a!, 1))).eventId;
  // Completions of a course no activity maps fill the first batch (100 events), so the second completion lands in another.
  for (let i = 0; i < 110; i++) await completions.ingest(tenantId, { ...completion(teacher!.canvasId, a!, 2), courseId: `unmapped-${i}` });
  const second = (await completions.ingest(tenantId, completion(teacher!.canvasId, b!, 3))).eventId;
  await completions.processPending();
  const [e1, e2] = await Promise.all([first, second].map((id) => completions.getEvent(tenantId, String(id))));
  expect([e1!.status, e2!.status]).toEqual(['applied', 'applied']);
  expect([e1!.applied.length, e2!.applied.length]).toEqual([1, 1]);
  expect((await goalOf(teacher!.userId)).activities.filter((s) => s === 'done')).toHaveLength(2);
  expect(await count('creditrecords', { userId: teacher!.userId })).toBe(2);
});
