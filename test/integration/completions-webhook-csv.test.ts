import * as catalog from '../../src/catalog/service';
import * as completions from '../../src/completions/service';
import { signDelivery } from '../../src/lms/webhook';
import * as users from '../../src/users/service';
import { Harness, Session, startHarness } from '../support/harness';
import { issueSecrets, ledger, planActivity, planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';

let h: Harness;
let staff: Session;
let workshop: catalog.ActivityDoc;
let teacherId: string;

beforeAll(async () => {
  h = await startHarness();
  const activities = await sampleCatalog(h.moodle.tenantId, []);
  workshop = activities.find((a) => a.kind === 'workshop' && !a.certificateRequired)!;
  staff = await h.launchAs(h.moodle, 'pdlead');
  await h.launchAs(h.moodle, 'teacher');
  const teacher = (await users.findBySub(h.moodle.tenantId, h.moodle.users.teacher.sub))!;
  teacherId = String(teacher._id);
  await planWith(h.moodle.tenantId, { userId: teacher._id, name: teacher.name }, [workshop]);
}, 60_000);
afterAll(() => h.close());

function deliver(url: string, secret: string, body: unknown, opts: { timestamp?: number; signature?: string } = {}) {
  const raw = JSON.stringify(body);
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pdp-timestamp': timestamp, 'x-pdp-signature': opts.signature ?? signDelivery(secret, timestamp, raw) }, body: raw });
}

describe('generic webhook', () => {
  let url: string;
  let secret: string;

  beforeAll(async () => {
    expect((await staff.post('/completions/sources/webhook', { enabled: 'on' })).status).toBe(303);
    const issued = await issueSecrets(staff, 'webhook');
    url = issued.url;
    secret = issued.signingSecret!;
    expect(issued.page).toContain('shown only this once');
  });

  test('signed events are recorded and applied; the secrets never appear again', async () => {
    const events = {
      events: [
        { id: 'sis-1', user: { id: h.moodle.users.teacher.email, idType: 'email' }, activityId: String(workshop._id), completedAt: '2025-03-14T15:00:00Z', hours: 6 },
        { id: 'sis-2', user: { id: 'S-777', idType: 'sourcedId', name: 'New Hire' }, course: { id: 'ENG-9', title: 'Writing Workshop', system: 'sis' }, completedAt: '2025-03-15T15:00:00Z' },
      ],
    };
    const res = await deliver(url, secret, events);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ received: 2, duplicates: 0 });
    const recorded = await ledger(h.moodle.tenantId, { source: 'webhook' });
    expect(recorded.map((e) => e.status).sort()).toEqual(['applied', 'unmatched-course']);
    expect(await planActivity(h.moodle.tenantId, recorded.find((e) => e.status === 'applied')!.userId!, workshop._id)).toMatchObject({ status: 'done', source: 'webhook' });
    expect(String(recorded.find((e) => e.status === 'applied')!.userId)).toBe(teacherId);

    const again = await deliver(url, secret, events);
    expect(await again.json()).toMatchObject({ received: 0, duplicates: 2 });

    const settings = await staff.get('/completions/sources/webhook');
    expect(settings.text).not.toContain(secret);
    expect(settings.text).not.toContain(url.split('token=')[1]);
    expect(pageText(settings.text)).toContain('Current secrets were issued');
  });

  test('stale, unsigned, mis-signed and invalid deliveries are refused and record nothing', async () => {
    const before = (await ledger(h.moodle.tenantId)).length;
    const ok = { user: { id: '9', idType: 'moodleId' }, course: { id: '2' }, completedAt: '2025-04-01T10:00:00Z' };
    const stale = await deliver(url, secret, ok, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { detail: string }).detail).toMatch(/more than 5 minutes/);
    expect((await deliver(url, secret, ok, { signature: 'sha256=' + '0'.repeat(64) })).status).toBe(401);
    expect((await deliver(url, 'another-secret', ok)).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ok) })).status).toBe(401);

    const invalid = await deliver(url, secret, { events: [ok, { user: { id: '9' }, completedAt: 'yesterday' }] });
    expect(invalid.status).toBe(400);
    const problem = (await invalid.json()) as { errors: Record<string, string> };
    expect(problem.errors).toMatchObject({ '1.user.idType': expect.stringMatching(/idType must be one of/), '1.completedAt': expect.stringMatching(/ISO 8601/) });
    const unknownActivity = await deliver(url, secret, { ...ok, course: undefined, activityId: '0123456789abcdef01234567' });
    expect(unknownActivity.status).toBe(400);

    expect(await ledger(h.moodle.tenantId)).toHaveLength(before);
    expect((await completions.getSource(h.moodle.tenantId, 'webhook')).stats?.rejected).toBe(6);
  });

  test('new secrets stop the old URL; a turned-off source refuses deliveries', async () => {
    const fresh = await issueSecrets(staff, 'webhook');
    const ok = { user: { id: '9', idType: 'moodleId' }, course: { id: '2' }, completedAt: '2025-04-02T10:00:00Z' };
    expect((await deliver(url, secret, ok)).status).toBe(404);
    expect((await deliver(fresh.url, fresh.signingSecret!, ok)).status).toBe(202);
    await staff.post('/completions/sources/webhook', {});
    const off = await deliver(fresh.url, fresh.signingSecret!, ok);
    expect(off.status).toBe(403);
    expect(((await off.json()) as { detail: string }).detail).toMatch(/turned off/);
  });
});

describe('CSV import', () => {
  function upload(session: Session, csv: string, name = 'completions.csv') {
    return session.launch.agent.post(`/completions/import?ltik=${encodeURIComponent(session.ltik)}`).field('_csrf', session.csrf).attach('file', Buffer.from(csv), name);
  }

  test('a file with bad rows is refused whole, with each problem by line, and nothing is recorded', async () => {
    const before = (await ledger(h.moodle.tenantId, { source: 'csv' })).length;
    const csv = ['email,activity_title,completed_on,hours', `${h.moodle.users.teacher.email},${workshop.title},2025-02-01,3`, `not-an-email,${workshop.title},2025-02-01,3`, `${h.moodle.users.teacher2.email},No Such Workshop,2999-01-01,-1`].join('\n');
    const res = await upload(staff, csv);
    expect(res.status).toBe(400);
    const text = pageText(res.text);
    expect(text).toContain('Nothing was recorded');
    expect(text).toContain('Line 3, email : Not an email address');
    expect(text).toContain('Line 4, completed_on : The date is in the future');
    expect(text).toContain('Line 4, hours : Hours cannot be negative');
    expect(await ledger(h.moodle.tenantId, { source: 'csv' })).toHaveLength(before);
    expect(await h.db().collection('completionImports').countDocuments()).toBe(0);

    const columns = await upload(staff, 'person,completed_on\nx,2025-01-01');
    expect(pageText(columns.text)).toContain('Unknown column: person');
  });

  test('a valid file is previewed, then imported by a background job whose progress the page polls', async () => {
    const rows = [`${h.moodle.users.teacher.email},,${workshop.title},2025-01-20,6,CERT-1`];
    for (let i = 0; i < 149; i++) rows.push(`,${7000 + i},${workshop.title},2025-01-21,2,`);
    const csv = `email,lms_id,activity_title,completed_on,hours,certificate\n${rows.join('\n')}\n`;
    const preview = await upload(staff, csv);
    expect(preview.status).toBe(200);
    expect(pageText(preview.text)).toContain('All 150 rows are valid');
    const importId = /\/completions\/imports\/([a-f0-9]{24})\/start/.exec(preview.text)![1]!;
    expect(await ledger(h.moodle.tenantId, { source: 'csv' })).toHaveLength(0);

    const started = await staff.post(`/completions/imports/${importId}/start`);
    expect(started.status).toBe(303);
    const progress = await staff.get(`/completions/imports/${importId}`);
    expect(progress.text).toContain('<progress id="import-bar"');
    expect(progress.text).toContain('/public/js/completions.js');

    let status = { status: '', done: 0, total: 0, received: 0 };
    for (let i = 0; i < 100 && status.status !== 'finished'; i++) {
      status = (await staff.get(`/api/completions/imports/${importId}`).set('Accept', 'application/json')).body;
      if (status.status !== 'finished') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toMatchObject({ status: 'finished', done: 150, total: 150, received: 150 });
    expect(await ledger(h.moodle.tenantId, { source: 'csv', limit: 500 })).toHaveLength(150);
    const mine = await ledger(h.moodle.tenantId, { source: 'csv', q: h.moodle.users.teacher.email });
    // The webhook already completed this workshop for her: the CSV row is kept but counts nothing twice.
    expect(mine[0]).toMatchObject({ hours: 6, status: 'ignored-duplicate' });
    const detail = pageText((await staff.get(`/completions/events/${mine[0]!._id}`)).text);
    expect(detail).toContain('Certificate CERT-1');
    expect(detail).toContain('Hours 6');

    const twice = await staff.post(`/completions/imports/${importId}/start`);
    expect(twice.status).toBe(409);
  });

  test('teachers cannot import or read the import status', async () => {
    const teacher = await h.launchAs(h.moodle, 'teacher2');
    expect((await upload(teacher, 'email,course_id,completed_on\na@b.example,2,2025-01-01')).status).toBe(403);
    expect((await teacher.get('/completions/import')).status).toBe(403);
  });
});
