import * as catalog from '../../src/catalog/service';
import * as completions from '../../src/completions/service';
import { Harness, Session, startHarness } from '../support/harness';
import { ledger, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';

let h: Harness;
let staff: Session;
let teacher: Session;
let activities: catalog.ActivityDoc[];

function completion(lmsUserId: string, courseId: string, courseTitle: string, daysAgo: number): completions.CompletionInput {
  return { source: 'canvas-rest', courseId, courseTitle, lmsUserId, userIdKind: 'canvasId', userName: `Person ${lmsUserId}`, completedAt: new Date(Date.now() - daysAgo * 86_400_000) };
}

beforeAll(async () => {
  h = await startHarness();
  activities = await sampleCatalog(h.canvas.tenantId, []);
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  for (const input of [completion('900', '7001', 'Literacy Across the Content Areas', 3), completion('901', '7001', 'Literacy Across the Content Areas', 2), completion('902', '7002', 'Math Talks', 1)]) {
    await completions.ingest(h.canvas.tenantId, input);
  }
  await completions.processPending();
}, 60_000);
afterAll(() => h.close());

test('teachers and coaches get no completion-sync pages, actions or navigation', async () => {
  const coach = await h.launchAs(h.canvas, 'coach');
  for (const s of [teacher, coach]) {
    expect(s.launch.text).not.toContain('Completion sync');
    expect((await s.get('/completions')).status).toBe(403);
    expect((await s.get('/completions/ledger')).status).toBe(403);
    expect((await s.get('/completions/sources/canvas-live')).status).toBe(403);
    expect((await s.post('/completions/sources/canvas-live', { enabled: 'on' })).status).toBe(403);
    expect((await s.post('/completions/sources/webhook/secrets')).status).toBe(403);
    expect((await s.post('/completions/mappings', { courseId: '7001', activityId: String(activities[0]!._id) })).status).toBe(403);
  }
  const [event] = await ledger(h.canvas.tenantId);
  expect((await teacher.get(`/completions/events/${event!._id}`)).status).toBe(403);
  expect((await teacher.post(`/completions/events/${event!._id}/replay`)).status).toBe(403);
  expect((await completions.getSource(h.canvas.tenantId, 'canvas-live')).enabled).toBe(false);
  expect(await completions.listMappings(h.canvas.tenantId)).toHaveLength(0);
});

test('each district sees only its own ledger, events and sources', async () => {
  const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  const [canvasEvent] = await ledger(h.canvas.tenantId);
  expect((await moodleStaff.get(`/completions/events/${canvasEvent!._id}`)).status).toBe(404);
  expect((await moodleStaff.post(`/completions/events/${canvasEvent!._id}/replay`)).status).toBe(404);
  const theirs = pageText((await moodleStaff.get('/completions/ledger')).text);
  expect(theirs).toContain('No completion events match');
  expect(theirs).not.toContain('Literacy Across');
});

test('PD staff read the console, filter and search the ledger, and follow an event’s timeline', async () => {
  expect(staff.launch.text).toContain('Completion sync');
  const home = pageText((await staff.get('/staff')).text);
  expect(home).toContain('3 completions in the ledger');
  expect(home).toContain('2 courses waiting for a mapping');

  // the reports' sync section counts the same ledger (from its indexes, without a pass over it)
  const reports = (await staff.get('/reports')).text;
  const sync = pageText(reports.match(/<section class="card report" id="sync"[\s\S]*?<\/section>/)![0]);
  expect(sync).toContain('Events received 3 Applied to plans 0 Waiting for a person 0 Waiting for a course mapping 3');

  const console = pageText((await staff.get('/completions')).text);
  expect(console).toContain('Events by status (3 in the ledger)');
  expect(console).toContain('Literacy Across the Content Areas (7001) — 2 waiting');

  const unmatched = pageText((await staff.get('/completions/ledger?status=unmatched-course')).text);
  expect(unmatched).toContain('Latest 3 events');
  const byCourse = pageText((await staff.get('/completions/ledger?q=math+talks')).text);
  expect(byCourse).toContain('Latest 1 events');
  expect(byCourse).toContain('Person 902');
  expect(pageText((await staff.get('/completions/ledger?source=csv')).text)).toContain('No completion events match');
  expect((await staff.get('/completions/ledger?status=bogus')).status).toBe(400);

  const [event] = await ledger(h.canvas.tenantId, { q: '902' });
  const detail = pageText((await staff.get(`/completions/events/${event!._id}`)).text);
  expect(detail).toContain('Course not mapped');
  expect(detail).toContain('Canvas user id 902');
  expect(detail).toMatch(/Received : From Canvas course progress \(REST\).*Course not mapped : Math Talks \(course 7002\) is not mapped/);
  expect(detail).toContain('Replay this event');
  expect((await staff.post(`/completions/events/${event!._id}/replay`)).status).toBe(303);
  expect(pageText((await staff.get(`/completions/events/${event!._id}`)).text)).toContain('Replayed : Replayed by Alex Kim');
});

test('mappings: bad input comes back with field messages, a mapped course cannot be mapped twice, and mappings can be deleted', async () => {
  const bad = await staff.post('/completions/mappings', { system: 'lms', courseId: 'bad id!', activityId: '' });
  expect(bad.status).toBe(400);
  expect(pageText(bad.text)).toContain('Enter the course id as the LMS shows it');
  expect(pageText(bad.text)).toContain('Choose an activity');
  expect(bad.text).toContain('value="bad id!"');
  expect(bad.text).toMatch(/id="courseId"[^>]*aria-invalid="true"/);
  expect(await completions.listMappings(h.canvas.tenantId)).toHaveLength(0);

  const literacy = activities.find((a) => a.kind === 'workshop')!;
  expect((await staff.post('/completions/mappings', { system: 'lms', courseId: '7001', activityId: String(literacy._id) })).status).toBe(303);
  const twice = await staff.post('/completions/mappings', { system: 'lms', courseId: '7001', activityId: String(literacy._id) });
  expect(twice.status).toBe(400);
  expect(pageText(twice.text)).toContain('This course is already mapped');

  const page = pageText((await staff.get('/completions/mappings?q=literacy')).text);
  expect(page).toContain(`Literacy Across the Content Areas (7001)`);
  expect(page).toContain(`${literacy.title} (mapping)`);
  expect(page).not.toContain('Math Talks');
  const search = await staff.get(`/completions/mappings?activity=${encodeURIComponent(literacy.title.split(' ')[0]!)}`);
  expect(search.text).toContain(`value="${literacy._id}"`);
  const events = await ledger(h.canvas.tenantId, { q: '7001' });
  // Mapped now; the people have not opened PD Pathways yet.
  expect(events.map((e) => e.status)).toEqual(['unmatched-user', 'unmatched-user']);

  const [mapping] = await completions.listMappings(h.canvas.tenantId);
  expect((await staff.post(`/completions/mappings/${mapping!._id}/delete`)).status).toBe(303);
  expect(await completions.listMappings(h.canvas.tenantId)).toHaveLength(0);
  const audit = (await h.db().collection('auditLog').find({ tenantId: h.canvas.tenantId, action: /^completion-mapping/ }).toArray()).map((e) => e.action);
  expect(audit).toEqual(['completion-mapping.created', 'completion-mapping.deleted']);
});

test('forms without the CSRF token are refused; secrets pages are not cached', async () => {
  const res = await staff.launch.agent.post('/completions/sources/webhook').type('form').send({ ltik: staff.ltik, enabled: 'on' });
  expect(res.status).toBe(403);
  expect((await completions.getSource(h.canvas.tenantId, 'webhook')).enabled).toBe(false);
  const secrets = await staff.post('/completions/sources/webhook/secrets');
  expect(secrets.headers['cache-control']).toBe('no-store');
});
