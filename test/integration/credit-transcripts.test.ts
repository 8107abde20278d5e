import supertest from 'supertest';
import * as catalog from '../../src/catalog/service';
import * as credit from '../../src/credit/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';
import { pdfText } from '../support/pdfText';

let h: Harness;
let staff: Session;
let teacher: Session;
let teacher2: Session;
let mayaId: string;
const tenantId = () => h.canvas.tenantId;

/** Collects a binary response body (supertest buffers only text types by default). */
function binary(res: supertest.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}
const download = (s: Session, path: string) => s.get(path).buffer(true).parse(binary);
const publicPath = (text: string) => new URL(/(http:\/\/127\.0\.0\.1:\d+\/verify\/\S+)/.exec(text)![1]!).pathname;

beforeAll(async () => {
  h = await startHarness();
  const [sample] = await sampleCatalog(tenantId(), []);
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  teacher2 = await h.launchAs(h.canvas, 'teacher2');
  await credit.addCreditType(tenantId(), { name: 'CEUs', clockHoursPerUnit: '10' }, { userId: sample!._id, name: 'PD office' });
  const activities = [];
  for (const [title, hours] of [['Summer literacy institute', 30], ['Coaching for equity', 6]] as const) {
    const input = await catalog.validateActivity(tenantId(), { kind: 'workshop', title, provider: 'District PD office', competencies: sample!.competencies, hours: String(hours), cost: '0', mode: 'online', timing: 'async', selfPaced: 'on' });
    const a = await catalog.createActivity(tenantId(), input, { userId: sample!._id, name: 'PD office' });
    await credit.setActivityCredit(tenantId(), a._id, { award_ceus: 'on' }, { userId: sample!._id, name: 'PD office' });
    activities.push(a);
  }
  const maya = (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!;
  mayaId = String(maya._id);
  await planWith(tenantId(), { userId: maya._id, name: maya.name }, activities);
  await plans.applyActivityCompletion(tenantId(), { userId: maya._id, activityId: activities[0]!._id, completedAt: new Date(Date.UTC(2025, 5, 20)), source: 'lms' });
  await plans.applyActivityCompletion(tenantId(), { userId: maya._id, activityId: activities[1]!._id, completedAt: new Date(Date.UTC(2026, 2, 4)), source: 'csv' });
}, 120_000);
afterAll(() => h.close());

test('the teacher’s transcript lists each completion with its credit, and totals per year and overall', async () => {
  const res = await teacher.get('/my-transcript');
  expect(res.status).toBe(303);
  const page = await teacher.launch.agent.get(res.headers.location!);
  const text = pageText(page.text);
  expect(text).toContain('Summer literacy institute LMS sync District PD office 30 Clock hours, 3 CEUs');
  expect(text).toContain('Coaching for equity CSV import District PD office 6 Clock hours, 0.6 CEUs');
  expect(text).toContain('2025 : 30 Clock hours, 3 CEUs');
  expect(text).toContain('Total 36 Clock hours, 3.6 CEUs');
  expect(page.text).toMatch(/href="\/credit\/transcripts\/[a-f0-9]{24}\/transcript\.pdf\?ltik=[^"]+" download>Download as PDF/);
});

test('the transcript PDF carries the completions and a verification URL that confirms it as issued', async () => {
  const res = await download(teacher, `/credit/transcripts/${mayaId}/transcript.pdf`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  expect(res.headers['content-disposition']).toBe('attachment; filename="transcript-maya-patel.pdf"');
  expect(res.headers['cache-control']).toBe('no-store');
  const text = await pdfText(res.body as Buffer);
  for (const s of ['Professional development transcript', 'Test Canvas', 'Maya Patel', 'Summer literacy institute', '3 CEUs', '36 Clock hours, 3.6 CEUs']) expect(text).toContain(s);
  const verify = await supertest(h.app).get(publicPath(text));
  expect(verify.status).toBe(200);
  const page = pageText(verify.text);
  expect(page).toContain('This is a genuine transcript of Maya Patel from Test Canvas');
  expect(page).toContain('Total 36 Clock hours, 3.6 CEUs');
});

test('a forged or altered verification link is not found and names nobody', async () => {
  const text = await pdfText((await download(teacher, `/credit/transcripts/${mayaId}/transcript.pdf`)).body as Buffer);
  const path = publicPath(text);
  const parts = path.split('/');
  const forgedSeal = [...parts.slice(0, -1), 'a'.repeat(24)].join('/');
  const otherPerson = [...parts.slice(0, 4), String((await users.findBySub(tenantId(), h.canvas.users.teacher2.sub))!._id), ...parts.slice(5)].join('/');
  const laterIssue = [...parts.slice(0, 5), String(Number(parts[5]) + 1), parts[6]].join('/');
  for (const p of [forgedSeal, otherPerson, laterIssue]) {
    const res = await supertest(h.app).get(p);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('Maya');
    expect(res.text).not.toContain('Jordan');
  }
});

test('the CSV has one row per completion and a column per credit type', async () => {
  const res = await teacher.get(`/credit/transcripts/${mayaId}/transcript.csv`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  expect(res.text.trim().split('\n')).toEqual([
    'completed_on,activity,provider,recorded_by,Clock hours,CEUs',
    '2025-06-20,Summer literacy institute,District PD office,LMS sync,30,3',
    '2026-03-04,Coaching for equity,District PD office,CSV import,6,0.6',
  ]);
});

test('a certificate of completion names the district, teacher, activity and credit, and its URL verifies it', async () => {
  const [record] = await credit.creditRecordsOf(tenantId(), (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!._id);
  const res = await download(teacher, `/credit/transcripts/${mayaId}/certificates/${record!._id}.pdf`);
  expect(res.status).toBe(200);
  const text = await pdfText(res.body as Buffer);
  expect((res.body as Buffer).toString('latin1').match(/\/Type \/Page\b/g)).toHaveLength(1);
  for (const s of ['Test Canvas', 'Certificate of completion', 'Maya Patel', 'Summer literacy institute', 'Credit earned: 30 Clock hours, 3 CEUs', 'Signature']) expect(text).toContain(s);
  const page = pageText((await supertest(h.app).get(publicPath(text))).text);
  expect(page).toContain('This certificate of completion is genuine: Test Canvas records it.');
  expect(page).toContain('Teacher Maya Patel Activity Summer literacy institute');
  const forged = await supertest(h.app).get(publicPath(text).replace(/[^/]+$/, '0'.repeat(24)));
  expect(forged.status).toBe(404);
});

test('PD staff produce anyone’s transcript in the district', async () => {
  const page = await staff.get(`/credit/transcripts/${mayaId}`);
  expect(page.status).toBe(200);
  expect(pageText(page.text)).toContain('Transcript: Maya Patel');
  expect((await download(staff, `/credit/transcripts/${mayaId}/transcript.pdf`)).status).toBe(200);
});

test('another teacher, or another district’s PD staff, cannot read the transcript or its certificates', async () => {
  const [record] = await credit.creditRecordsOf(tenantId(), (await users.findBySub(tenantId(), h.canvas.users.teacher.sub))!._id);
  for (const path of [`/credit/transcripts/${mayaId}`, `/credit/transcripts/${mayaId}/transcript.pdf`, `/credit/transcripts/${mayaId}/transcript.csv`, `/credit/transcripts/${mayaId}/certificates/${record!._id}.pdf`]) {
    const res = await teacher2.get(path);
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('Summer literacy institute');
  }
  const other = await h.launchAs(h.moodle, 'pdlead');
  for (const path of [`/credit/transcripts/${mayaId}/transcript.pdf`, `/credit/transcripts/${mayaId}/certificates/${record!._id}.pdf`]) {
    const res = await other.get(path);
    expect(res.status).toBe(404);
  }
  const ownId = String((await users.findBySub(h.moodle.tenantId, h.moodle.users.pdlead.sub))!._id);
  expect((await other.get(`/credit/transcripts/${ownId}/certificates/${record!._id}.pdf`)).status).toBe(404);
});
