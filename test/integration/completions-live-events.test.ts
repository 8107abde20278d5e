import * as catalog from '../../src/catalog/service';
import * as completions from '../../src/completions/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { Harness, Session, startHarness } from '../support/harness';
import { issueSecrets, ledger, planActivity, planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';

let h: Harness;
let staff: Session;
let hookUrl: string;
let courseActivity: catalog.ActivityDoc;
const otherCourse = { id: '4200', label: 'TIC-1', title: 'Trauma-Informed Classrooms', members: [] as { userSub: string; roles: string[] }[] };

beforeAll(async () => {
  h = await startHarness();
  const { canvas } = h;
  otherCourse.members = canvas.course.members.filter((m) => m.userSub !== canvas.users.pdlead.sub);
  canvas.sim.addCourse(otherCourse);
  // The sample catalog's third LMS course (no certificate needed) is the simulated course.
  const activities = await sampleCatalog(canvas.tenantId, ['9001', '9002', canvas.course.id]);
  courseActivity = activities.find((a) => a.lmsCourseId === canvas.course.id)!;
  staff = await h.launchAs(canvas, 'pdlead');
  const saved = await staff.post('/completions/sources/canvas-live', { enabled: 'on', jwksUrl: canvas.sim.completions.liveEventsJwksUrl });
  expect(saved.status).toBe(303);
  hookUrl = (await issueSecrets(staff, 'canvas-live')).url;
}, 60_000);
afterAll(() => h.close());

async function teacherWithPlan(persona: 'teacher' | 'teacher3', activities: catalog.ActivityDoc[]) {
  const session = await h.launchAs(h.canvas, persona);
  const user = (await users.findBySub(h.canvas.tenantId, h.canvas.users[persona].sub))!;
  await planWith(h.canvas.tenantId, { userId: user._id, name: user.name }, activities);
  return { session, user };
}

function send(persona: 'teacher' | 'teacher2' | 'teacher3', opts: Parameters<typeof h.canvas.sim.completions.sendLiveEvent>[3] = {}, courseId = h.canvas.course.id) {
  return h.canvas.sim.completions.sendLiveEvent(hookUrl, courseId, h.canvas.users[persona].sub, opts);
}

test('unsigned JSON is refused by default and nothing reaches the ledger; PD staff turn it on deliberately, with a warning', async () => {
  const source = await completions.getSource(h.canvas.tenantId, 'canvas-live');
  expect(source.acceptUnsigned).toBe(false);
  const page = await staff.get('/completions/sources/canvas-live');
  expect(page.text).toContain('Also accept unsigned JSON deliveries');
  expect(page.text).toContain('off by default');
  expect(page.text).not.toMatch(/name="acceptUnsigned" value="on" aria-describedby="acceptUnsigned-hint" checked/);
  expect(page.text).not.toContain('Unsigned Live Events are accepted.');

  const refused = await send('teacher2', { completedAt: new Date(Date.now() - 60_000) });
  expect(refused.status).toBe(401);
  expect(JSON.parse(refused.body).title).toBe('Signature required');
  expect(await ledger(h.canvas.tenantId)).toHaveLength(0);

  const turnedOn = await staff.post('/completions/sources/canvas-live', { enabled: 'on', jwksUrl: h.canvas.sim.completions.liveEventsJwksUrl, acceptUnsigned: 'on' });
  expect(turnedOn.status).toBe(303);
  expect((await completions.getSource(h.canvas.tenantId, 'canvas-live')).acceptUnsigned).toBe(true);
  expect(pageText((await staff.get('/completions/sources/canvas-live')).text)).toContain('Unsigned Live Events are accepted. Anyone who learns this source');
});

test('a signed course_completed from Canvas is answered 202 and marks the activity done in the teacher’s plan, once', async () => {
  const { session, user } = await teacherWithPlan('teacher', [courseActivity]);
  const completedAt = new Date(Date.now() - 3_600_000);
  h.canvas.sim.completions.complete(h.canvas.course.id, h.canvas.users.teacher.sub, completedAt);

  const first = await send('teacher', { signed: true });
  expect(first.status).toBe(202);
  expect(JSON.parse(first.body)).toMatchObject({ status: 'accepted', received: 1, duplicates: 0 });
  const [event] = await ledger(h.canvas.tenantId, { q: 'Maya' });
  expect(event).toMatchObject({ status: 'applied', source: 'canvas-live', courseId: h.canvas.course.id, lmsUserId: h.canvas.users.teacher.lmsId });
  expect(event!.timeline.map((t) => t.step)).toEqual(['received', 'matched', 'applied']);
  const done = await planActivity(h.canvas.tenantId, user._id, courseActivity._id);
  expect(done).toMatchObject({ status: 'done', source: 'lms' });
  expect(done!.completedAt!.toISOString()).toBe(completedAt.toISOString());

  // Canvas retries the same delivery (unsigned this time): acknowledged, counted, not applied again.
  const again = await send('teacher');
  expect(again.status).toBe(202);
  expect(JSON.parse(again.body)).toMatchObject({ received: 0, duplicates: 1 });
  const events = await ledger(h.canvas.tenantId, { q: 'Maya' });
  expect(events).toHaveLength(1);
  expect(events[0]!.duplicates).toBe(1);
  const summary = await completions.syncSummary(h.canvas.tenantId);
  expect(summary.bySource['canvas-live']).toMatchObject({ applied: 1, 'ignored-duplicate': 1 });

  const home = pageText((await session.get('/dashboard')).text);
  expect(home).toContain('Synced from your LMS');
  expect(home).toContain(`${h.canvas.course.title} — completed`);
  expect(home).toContain('Applied to plan');
});

test('refused deliveries answer a JSON problem, record nothing and show on the source as rejected', async () => {
  const before = (await ledger(h.canvas.tenantId)).length;
  const post = (url: string, body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  const problem = async (res: Response) => (await res.json()) as { title: string; status: number; detail: string; errors: Record<string, string> };

  const badToken = await post(hookUrl.replace(/token=[^&]+/, `token=${h.canvas.tenantId.toHexString()}.not-the-secret-token-at-all`), '{}');
  expect(badToken.status).toBe(404);
  expect(badToken.headers.get('content-type')).toContain('application/problem+json');
  expect(await problem(badToken)).toMatchObject({ title: 'Not found', status: 404 });

  const unknownTenant = await post(hookUrl.replace(/token=[a-f0-9]{24}/, 'token=0123456789abcdef01234567'), '{}');
  expect(unknownTenant.status).toBe(404);

  const malformed = await post(hookUrl, '{"metadata": {');
  expect(malformed.status).toBe(400);
  expect((await problem(malformed)).detail).toMatch(/not valid JSON/);

  const foreign = await h.canvas.sim.signIdToken({ user: h.canvas.users.teacher.sub, course: h.canvas.course.id }, 'nonce');
  const wrongKey = await post(hookUrl, foreign, 'application/jwt');
  expect(wrongKey.status).toBe(401);
  expect((await problem(wrongKey)).detail).toMatch(/could not be verified/);

  const oversized = await post(hookUrl, JSON.stringify({ metadata: { event_name: 'course_completed' }, body: { pad: 'x'.repeat(300 * 1024) } }));
  expect(oversized.status).toBe(413);

  const noTime = h.canvas.sim.completions.liveEvent(h.canvas.course.id, h.canvas.users.teacher3.sub) as { metadata: Record<string, unknown>; body: { progress: Record<string, unknown> } };
  delete noTime.metadata.event_time;
  noTime.body.progress.completed_at = null;
  const incomplete = await post(hookUrl, JSON.stringify(noTime));
  expect(incomplete.status).toBe(400);
  expect((await problem(incomplete)).errors).toHaveProperty(['body.progress.completed_at']);

  expect(await ledger(h.canvas.tenantId)).toHaveLength(before);
  const source = await completions.getSource(h.canvas.tenantId, 'canvas-live');
  expect(source.stats?.rejected).toBe(4); // these three (the oversized body never reached the source) and the unsigned one refused by default
  expect(source.lastError?.message).toMatch(/Delivery rejected: /);
  expect(JSON.stringify(source)).not.toContain(hookUrl.split('token=')[1]);
});

test('other Live Events are acknowledged and ignored; a signed-only source refuses unsigned JSON', async () => {
  const other = await send('teacher3', { eventName: 'course_progress' });
  expect(other.status).toBe(202);
  expect(JSON.parse(other.body)).toMatchObject({ received: 0, ignored: 'course_progress is not a course completion' });

  await staff.post('/completions/sources/canvas-live', { enabled: 'on', jwksUrl: h.canvas.sim.completions.liveEventsJwksUrl });
  const unsigned = await send('teacher3');
  expect(unsigned.status).toBe(401);
  // Canvas rotated its key: the unknown kid makes the tool fetch the keyset again.
  await h.canvas.sim.completions.rotateLiveEventsKey();
  const rotated = await send('teacher3', { signed: true, completedAt: new Date(Date.now() - 60_000) });
  expect(rotated.status).toBe(202);
  await staff.post('/completions/sources/canvas-live', { enabled: 'on', jwksUrl: h.canvas.sim.completions.liveEventsJwksUrl, acceptUnsigned: 'on' });
});

test('a completion of someone who never launched waits, and is matched on their first launch', async () => {
  const response = await send('teacher2', { completedAt: new Date(Date.now() - 7_200_000) });
  expect(response.status).toBe(202);
  const [waiting] = await ledger(h.canvas.tenantId, { q: h.canvas.users.teacher2.lmsId, source: 'canvas-live' });
  expect(waiting).toMatchObject({ status: 'unmatched-user' });
  expect(waiting!.reason).toMatch(/No one with Canvas user id 102 or email jordan.lee@district.example is known yet/);

  await h.launchAs(h.canvas, 'teacher2');
  const [matched] = await ledger(h.canvas.tenantId, { q: h.canvas.users.teacher2.lmsId, source: 'canvas-live' });
  expect(matched!.status).toBe('not-in-plan');
  expect(matched!.timeline.map((t) => t.step)).toEqual(['received', 'unmatched-user', 'replay', 'matched', 'not-in-plan']);
  expect(matched!.timeline[2]!.detail).toMatch(/Jordan Lee opened PD Pathways/);

  // The activity joins their plan; when the plan is submitted the waiting completion counts.
  const user = (await users.findBySub(h.canvas.tenantId, h.canvas.users.teacher2.sub))!;
  const by = { userId: user._id, name: user.name };
  const { planId, goalId } = await planWith(h.canvas.tenantId, by, [courseActivity]);
  await plans.addCustomActivity(h.canvas.tenantId, planId, goalId, { title: 'Peer observation rounds', hours: '40', cost: '0' }, by);
  await plans.setCommitment(h.canvas.tenantId, planId, { agreed: 'on', text: 'Thursday afternoons' }, by);
  await plans.submitPlan(h.canvas.tenantId, planId, by);
  const [applied] = await ledger(h.canvas.tenantId, { q: h.canvas.users.teacher2.lmsId });
  expect(applied!.status).toBe('applied');
  expect(applied!.timeline.map((t) => t.detail)).toContain('The plan was submitted; applying completions it did not have before');
  expect(await planActivity(h.canvas.tenantId, user._id, courseActivity._id)).toMatchObject({ status: 'done' });
});

test('a course nobody mapped waits; mapping it applies its events; an earlier completion arriving late changes nothing', async () => {
  const activities = await catalog.listActivities(h.canvas.tenantId);
  const workshop = activities.find((a) => !a.lmsCourseId && a._id.toString() !== courseActivity._id.toString())!;
  const { user } = await teacherWithPlan('teacher3', [workshop]);
  const later = new Date(Date.now() - 60_000);
  const earlier = new Date(Date.now() - 86_400_000);

  expect((await send('teacher3', { completedAt: later }, otherCourse.id)).status).toBe(202);
  const [waiting] = await ledger(h.canvas.tenantId, { q: otherCourse.title });
  expect(waiting).toMatchObject({ status: 'unmatched-course', courseTitle: otherCourse.title });
  const console = pageText((await staff.get('/completions')).text);
  expect(console).toContain('Courses waiting for a mapping');
  expect(console).toContain(`${otherCourse.title} (${otherCourse.id}) — 1 waiting`);

  const mapped = await staff.post('/completions/mappings', { system: 'lms', courseId: otherCourse.id, activityId: String(workshop._id) });
  expect(mapped.status).toBe(303);
  const [applied] = await ledger(h.canvas.tenantId, { q: otherCourse.title });
  expect(applied!.status).toBe('applied');
  expect(applied!.timeline.find((t) => t.step === 'replay')!.detail).toContain(`mapped to ${workshop.title} by Alex Kim`);
  expect((await planActivity(h.canvas.tenantId, user._id, workshop._id))!.completedAt!.toISOString()).toBe(later.toISOString());

  // Out of order: Canvas re-sends an earlier completion time for the same course afterwards.
  expect((await send('teacher3', { completedAt: earlier }, otherCourse.id)).status).toBe(202);
  const both = await ledger(h.canvas.tenantId, { q: otherCourse.title });
  expect(both.map((e) => e.status).sort()).toEqual(['applied', 'ignored-duplicate']);
  expect((await planActivity(h.canvas.tenantId, user._id, workshop._id))!.completedAt!.toISOString()).toBe(later.toISOString());
});
