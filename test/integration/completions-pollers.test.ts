import * as catalog from '../../src/catalog/service';
import * as completions from '../../src/completions/service';
import { acquireLease, releaseLease } from '../../src/jobs/lease';
import { pollDue, pollSource } from '../../src/completions/jobs';
import * as users from '../../src/users/service';
import type { SimUser } from '../../src/demo/platform';
import { Harness, Session, SimulatedPlatform, startHarness } from '../support/harness';
import { ledger, planActivity, planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';

let h: Harness;
let canvasStaff: Session;
let moodleStaff: Session;
const activityOf: Record<'canvas' | 'moodle', catalog.ActivityDoc | undefined> = { canvas: undefined, moodle: undefined };
const extraLearners: SimUser[] = [];

beforeAll(async () => {
  h = await startHarness();
  // A bigger Canvas course, so its progress list spans several pages.
  for (let i = 0; i < 12; i++) {
    const user = { sub: `learner-${i}`, name: `Learner ${i}`, givenName: 'Learner', familyName: String(i), email: `learner${i}@district.example`, lmsId: String(500 + i) };
    h.canvas.sim.addUser(user);
    h.canvas.course.members.push({ userSub: user.sub, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] });
    extraLearners.push(user);
  }
  h.canvas.sim.completions.maxPerPage = 5;
  canvasStaff = await h.launchAs(h.canvas, 'pdlead');
  moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  // PD staff map each district's course to the catalog's "Blended Learning with Your LMS".
  for (const [flavor, staff] of [['canvas', canvasStaff], ['moodle', moodleStaff]] as const) {
    const p = h[flavor];
    activityOf[flavor] = (await sampleCatalog(p.tenantId, [])).find((a) => a.sampleKey === 'blended-lms');
    expect((await staff.post('/completions/mappings', { system: 'lms', courseId: p.course.id, activityId: String(activityOf[flavor]!._id) })).status).toBe(303);
  }
}, 60_000);
afterAll(() => h.close());

async function teacherWithPlan(p: SimulatedPlatform, flavor: 'canvas' | 'moodle') {
  await h.launchAs(p, 'teacher');
  const user = (await users.findBySub(p.tenantId, p.users.teacher.sub))!;
  await planWith(p.tenantId, { userId: user._id, name: user.name }, [activityOf[flavor]!]);
  return user;
}

async function source(p: SimulatedPlatform, kind: completions.PollKind) {
  return completions.getSource(p.tenantId, kind);
}

test('the Canvas poller reads every page of course progress, retries a rate limit, records each completion once', async () => {
  const { sim, course, tenantId } = h.canvas;
  const teacher = await teacherWithPlan(h.canvas, 'canvas');
  const saved = await canvasStaff.post('/completions/sources/canvas-rest', { enabled: 'on', baseUrl: sim.baseUrl, apiToken: sim.completions.apiToken, pollMinutes: '30' });
  expect(saved.status).toBe(303);
  const stored = await source(h.canvas, 'canvas-rest');
  expect(stored.sealedApiToken).toBeDefined();
  expect(JSON.stringify(stored)).not.toContain(sim.completions.apiToken);

  sim.completions.complete(course.id, h.canvas.users.teacher.sub, new Date(Date.now() - 86_400_000));
  for (const learner of extraLearners.slice(0, 9)) sim.completions.complete(course.id, learner.sub, new Date(Date.now() - 3_600_000));
  const throttle = sim.faults.add({ path: 'bulk_user_progress', status: 403, body: '403 Forbidden (Rate Limit Exceeded)', times: 2 });

  expect(await completions.duePollers('canvas-rest')).toHaveLength(1);
  await pollDue('canvas-rest');
  expect(throttle.hits).toBe(2);
  const events = await ledger(tenantId, { source: 'canvas-rest' });
  expect(events).toHaveLength(10);
  expect(events.filter((e) => e.status === 'unmatched-user')).toHaveLength(9);
  expect((await planActivity(tenantId, teacher._id, activityOf.canvas!._id))!.status).toBe('done');

  const after = await source(h.canvas, 'canvas-rest');
  expect(after.lastRun).toMatchObject({ received: 10, duplicates: 0, ok: true });
  expect(completions.watermark(after, course.id)).toBeDefined();
  expect(await completions.duePollers('canvas-rest')).toHaveLength(0);

  // The next poll finds the same completions: nothing new, nothing counted as a duplicate.
  sim.completions.complete(course.id, extraLearners[9]!.sub, new Date());
  await pollSource(after);
  expect(await ledger(tenantId, { source: 'canvas-rest' })).toHaveLength(11);
  expect((await source(h.canvas, 'canvas-rest')).lastRun).toMatchObject({ received: 1, duplicates: 0 });

  const page = pageText((await canvasStaff.get('/completions/sources/canvas-rest')).text);
  expect(page).toContain('A token is stored (encrypted)');
  expect(page).toContain(course.id);
});

test('without bulk progress the Canvas poller asks per student; a refused token shows as the source’s last error', async () => {
  const { sim, course, tenantId } = h.canvas;
  sim.completions.bulkProgressAvailable = false;
  sim.completions.complete(course.id, extraLearners[10]!.sub, new Date(Date.now() - 1000));
  expect(await completions.duePollers('canvas-rest')).toHaveLength(0);
  expect((await canvasStaff.post('/completions/sources/canvas-rest/sync')).status).toBe(303);
  expect(await completions.duePollers('canvas-rest')).toHaveLength(1);
  await pollDue('canvas-rest');
  expect((await ledger(tenantId, { q: extraLearners[10]!.lmsId }))[0]).toMatchObject({ source: 'canvas-rest', status: 'unmatched-user' });

  await canvasStaff.post('/completions/sources/canvas-rest', { enabled: 'on', baseUrl: sim.baseUrl, apiToken: 'not-a-valid-token', pollMinutes: '30' });
  await pollSource(await source(h.canvas, 'canvas-rest'));
  const failed = await source(h.canvas, 'canvas-rest');
  expect(failed.lastRun?.ok).toBe(false);
  expect(failed.lastError?.message).toMatch(/answered 401/);
  expect(pageText((await canvasStaff.get('/completions')).text)).toMatch(/Last error: .*answered 401/);
  expect((await canvasStaff.get('/')).text).toMatch(/Canvas[^<]*: last sync (?:<time [^>]*>[^<]*<\/time>|never) <span class="badge bad">error<\/span>/);

  // The token is fixed and the next poll succeeds: the source is syncing again, the old error is history.
  await canvasStaff.post('/completions/sources/canvas-rest', { enabled: 'on', baseUrl: sim.baseUrl, apiToken: sim.completions.apiToken, pollMinutes: '30' });
  await pollSource(await source(h.canvas, 'canvas-rest'));
  const console = pageText((await canvasStaff.get('/completions')).text);
  expect(console).not.toMatch(/Last error:/);
  expect(console).toMatch(/Syncing again since an earlier error \(.*answered 401/);
  expect((await canvasStaff.get('/')).text).not.toContain('<span class="badge bad">error</span>');
  expect(pageText((await canvasStaff.get('/completions/sources/canvas-rest')).text)).toMatch(/Status syncing/);
  sim.completions.bulkProgressAvailable = true;
});

test('a poll never runs twice at once: another instance’s lease makes this one skip', async () => {
  const s = await source(h.canvas, 'canvas-rest');
  const lease = `poll:canvas-rest:${String(h.canvas.tenantId)}`;
  expect(await acquireLease(lease, 60_000, 'other-instance')).toBe(true);
  expect(await pollSource(s)).toBe('busy');
  await releaseLease(lease, 'other-instance');
});

test('the Moodle poller sees a completion only after Moodle’s cron computed it, and reports web-service errors', async () => {
  const { sim, course, tenantId } = h.moodle;
  const teacher = await teacherWithPlan(h.moodle, 'moodle');
  const saved = await moodleStaff.post('/completions/sources/moodle-ws', { enabled: 'on', baseUrl: sim.baseUrl, apiToken: sim.completions.apiToken, pollMinutes: '15' });
  expect(saved.status).toBe(303);
  sim.completions.complete(course.id, h.moodle.users.teacher.sub, new Date(Date.now() - 600_000), { awaitingCron: true });

  await pollDue('moodle-ws');
  expect(await ledger(tenantId, { source: 'moodle-ws' })).toHaveLength(0);
  expect((await source(h.moodle, 'moodle-ws')).lastRun?.ok).toBe(true);

  sim.completions.runCompletionCron();
  await pollSource(await source(h.moodle, 'moodle-ws'));
  const [event] = await ledger(tenantId, { source: 'moodle-ws' });
  expect(event).toMatchObject({ status: 'applied', userIdKind: 'moodleId', lmsUserId: h.moodle.users.teacher.lmsId });
  expect((await planActivity(tenantId, teacher._id, activityOf.moodle!._id))!.status).toBe('done');

  await moodleStaff.post('/completions/sources/moodle-ws', { enabled: 'on', baseUrl: sim.baseUrl, apiToken: 'expired-token', pollMinutes: '15' });
  await pollSource(await source(h.moodle, 'moodle-ws'));
  expect((await source(h.moodle, 'moodle-ws')).lastError?.message).toMatch(/invalidtoken/);
});

test('poller settings are checked: an enabled poller needs an address and a token', async () => {
  const res = await moodleStaff.post('/completions/sources/canvas-rest', { enabled: 'on', baseUrl: 'not a url', pollMinutes: '0' });
  expect(res.status).toBe(400);
  const text = pageText(res.text);
  expect(text).toContain('Enter a full web address');
  expect(text).toContain('Poll at most once a minute');
  expect(res.text).toContain('value="not a url"');
  expect(res.text).toMatch(/id="baseUrl"[^>]*aria-invalid="true"/);
  expect((await source(h.moodle, 'canvas-rest')).enabled).toBe(false);
  const sync = await moodleStaff.post('/completions/sources/canvas-rest/sync');
  expect(sync.status).toBe(409);
  expect(pageText(sync.text)).toContain('is turned off; turn it on first');
});
