import { SignJWT } from 'jose';
import supertest from 'supertest';
import * as catalog from '../../src/catalog/service';
import { config } from '../../src/config';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { money } from '../../src/web/format';
import { signTicket } from '../../src/web/topLevel';
import { planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';
import { pdfText } from '../support/pdfText';
import { Harness, Session, startHarness } from '../support/harness';

let h: Harness;
let teacher: Session;
let teacher2: Session;
const tenantId = () => h.canvas.tenantId;
const userOf = async (p: 'teacher' | 'teacher2') => (await users.findBySub(tenantId(), h.canvas.users[p].sub))!;
const done: { title: string; hours: number; cost: number; year: number }[] = [];

/** Collects a binary response body (supertest buffers only text types by default). */
function binary(res: supertest.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

const printUrl = (html: string) => /href="(\/record\/print\?ticket=[^"]+)" target="_blank"/.exec(html)?.[1]?.replace(/&amp;/g, '&');

beforeAll(async () => {
  h = await startHarness();
  const [sample] = await sampleCatalog(tenantId(), []);
  const activities = [];
  for (const [title, hours, cost] of [['Summer literacy institute', 12.5, 217.5], ['Coaching for equity', 6, 90], ['Data teams online', 4, 49.99]] as const) {
    const input = await catalog.validateActivity(tenantId(), { kind: 'workshop', title, provider: 'District PD office', competencies: sample!.competencies, hours: String(hours), cost: String(cost), mode: 'online', timing: 'async', selfPaced: 'on' });
    activities.push(await catalog.createActivity(tenantId(), input, { userId: sample!._id, name: 'PD office' }));
  }
  teacher = await h.launchAs(h.canvas, 'teacher');
  teacher2 = await h.launchAs(h.canvas, 'teacher2');
  const me = await userOf('teacher');
  await planWith(tenantId(), { userId: me._id, name: me.name }, activities);
  // Two completions last year, one this year: the record totals them per year.
  const years = [2025, 2025, 2026];
  for (const [i, a] of activities.entries()) {
    await plans.applyActivityCompletion(tenantId(), { userId: me._id, activityId: a._id, completedAt: new Date(Date.UTC(years[i]!, 2 + i, 10)), source: 'lms' });
    done.push({ title: a.title, hours: a.hours, cost: a.cost, year: years[i]! });
  }
}, 120_000);
afterAll(() => h.close());

const yearTotal = (year: number) => done.filter((d) => d.year === year).reduce((t, d) => ({ hours: t.hours + d.hours, cost: t.cost + d.cost }), { hours: 0, cost: 0 });

test('the teacher downloads the record as a real PDF with per-year hours and cost', async () => {
  const res = await teacher.get('/my-record.pdf').buffer(true).parse(binary);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  expect(res.headers['content-disposition']).toBe('attachment; filename="pd-record.pdf"');
  expect(res.headers['cache-control']).toBe('no-store');
  const body = res.body as Buffer;
  expect(body.subarray(0, 5).toString()).toBe('%PDF-');
  const text = await pdfText(body);
  expect(text).toContain('Maya Patel');
  for (const d of done) expect(text).toContain(d.title);
  expect(text).toContain('Completed PD by year');
  const y2025 = yearTotal(2025);
  expect(text).toMatch(new RegExp(`2025\\s+2\\s+${y2025.hours} h\\s+${money(y2025.cost).replace('$', '\\$')}`));
  expect(money(y2025.cost)).toMatch(/^\$[\d,]+\.\d\d$/);
  const total = yearTotal(2025).cost + yearTotal(2026).cost;
  expect(text).toContain(money(total));
});

test('the record page shows the same totals, links the PDF and a print view that opens in a new tab', async () => {
  const page = await teacher.get('/my-record');
  expect(page.status).toBe(200);
  const text = pageText(page.text);
  expect(text).toContain('Completed PD by year');
  expect(text).toContain(money(yearTotal(2026).cost));
  expect(page.text).toMatch(/href="\/my-record\.pdf\?ltik=[^"]+" download>Download as PDF/);
  expect(page.text).toMatch(/href="\/record\/print\?ticket=[^"]+" target="_blank" rel="noopener noreferrer"/);
});

test('the print view opens top-level with no cookie and no ltik, and keeps the ticket to itself', async () => {
  const url = printUrl((await teacher.get('/my-record')).text)!;
  // A new top-level tab: none of the frame's cookies, no ltik.
  const res = await supertest(h.app).get(url);
  expect(res.status).toBe(200);
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cache-control']).toBe('no-store');
  const text = pageText(res.text);
  expect(text).toContain('Maya Patel');
  expect(text).toContain(done[0]!.title);
  expect(text).toContain(money(yearTotal(2025).cost));
  expect(res.text).toContain('/public/js/print.js');
  expect(res.text).not.toMatch(/<script>|onclick=/);
  // Nothing on it carries the session or the ticket onward.
  expect(res.text).not.toContain('ltik');
  expect(res.text).not.toContain(new URL(url, 'http://x').searchParams.get('ticket')!);
});

test('another teacher gets their own record only; a tampered, expired, other-purpose or other-tenant ticket shows nothing', async () => {
  const theirs = await pdfText((await teacher2.get('/my-record.pdf').buffer(true).parse(binary)).body as Buffer);
  expect(theirs).toContain('Jordan Lee');
  expect(theirs).not.toContain('Maya Patel');
  for (const d of done) expect(theirs).not.toContain(d.title);

  const me = await userOf('teacher');
  const url = printUrl((await teacher.get('/my-record')).text)!;
  const ticket = new URL(url, 'http://x').searchParams.get('ticket')!;
  const [head, payload, sig] = ticket.split('.');
  const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  forged.sub = String((await userOf('teacher2'))._id);
  const key = config().secrets.linkKey;
  const expired = await new SignJWT({ t: String(tenantId()), p: 'record-print' }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(me._id)).setAudience('pd-pathways:top-level').setIssuedAt(1_700_000_000).setExpirationTime(1_700_000_900).sign(key);
  const attempts = [
    `${head}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${sig}`,
    expired,
    await signTicket({ tenantId: tenantId(), userId: me._id, purpose: 'something-else' }),
    'not-a-ticket',
  ];
  for (const t of attempts) {
    const res = await supertest(h.app).get(`/record/print?ticket=${encodeURIComponent(t)}`);
    expect(res.status).toBe(401);
    expect(res.text).toContain('This link has expired');
    expect(res.text).not.toContain('Maya Patel');
    expect(res.text).not.toContain('Jordan Lee');
  }
  // A genuine ticket naming this teacher under the other platform's tenant finds nobody.
  const crossTenant = await signTicket({ tenantId: h.moodle.tenantId, userId: me._id, purpose: 'record-print' });
  const res = await supertest(h.app).get(`/record/print?ticket=${encodeURIComponent(crossTenant)}`);
  expect(res.status).toBe(404);
  expect(res.text).not.toContain('Maya Patel');
  expect((await supertest(h.app).get('/record/print')).status).toBe(401);
});

test('the PDF needs a launch: without the ltik nothing is sent', async () => {
  const res = await supertest(h.app).get('/my-record.pdf');
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.headers['content-type']).not.toContain('application/pdf');
});
