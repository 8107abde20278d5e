import { Types } from 'mongoose';
import * as assessments from '../../src/assessments/service';
import * as audit from '../../src/audit/service';
import * as catalog from '../../src/catalog/service';
import * as credit from '../../src/credit/service';
import * as frameworks from '../../src/frameworks/service';
import * as outbox from '../../src/outbox/service';
import * as plans from '../../src/plans/service';
import * as tenants from '../../src/tenants/service';
import * as users from '../../src/users/service';
import { planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';
import { Harness, Persona, Session, startHarness } from '../support/harness';

/** A day as the pages write it for the simulator's launch locale ('en'). */
const shown = (d: Date) => new Intl.DateTimeFormat('en', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(d);

let h: Harness;
const s: Partial<Record<Persona, Session>> = {};
const tid = () => h.canvas.tenantId;
const userOf = async (p: Persona) => (await users.findBySub(tid(), h.canvas.users[p].sub))!;
const policyForm = { planMonths: '24', maxCostPerYear: '1500', maxHoursPerYear: '120', minHoursPerYear: '0', approvers: 'none' };
let mayaPlanId: Types.ObjectId;
const retention = (creditRetention: string, creditRetentionYears = '7') => s.pdlead!.post('/policy', { ...policyForm, creditRetention, creditRetentionYears });

/** Every document of every collection, binary data (GridFS chunks) as text, for a search for private words. */
async function everything(): Promise<string> {
  const db = h.db();
  let all = '';
  for (const { name } of await db.listCollections().toArray()) {
    for (const doc of await db.collection(name).find({}).toArray()) {
      all += JSON.stringify(doc, (_k, v) => (v && v._bsontype === 'Binary' ? Buffer.from(v.buffer).toString('latin1') : v));
    }
  }
  return all;
}

/** A teacher's active plan with two completed activities (one long ago), and private content everywhere. */
async function privateLife(p: Persona, mark: string): Promise<{ planId: Types.ObjectId; userId: Types.ObjectId }> {
  const me = await userOf(p);
  const who = { userId: me._id, name: me.name };
  const made = [];
  for (const [title, completedAt] of [[`Workshop for ${p}`, new Date()], [`Old course for ${p}`, new Date('2010-05-01')]] as const) {
    const input = await catalog.validateActivity(tid(), { kind: 'workshop', title, provider: 'District', competencies: ['ASMT1'], hours: '6', cost: '49.5', mode: 'online', timing: 'async', selfPaced: 'on' });
    const a = await catalog.createActivity(tid(), input, who);
    made.push({ a, completedAt });
  }
  const { planId, goalId } = await planWith(tid(), who, made.map((m) => m.a));
  await plans.setCommitment(tid(), planId, { agreed: 'on', text: 'Two hours a week after school' }, who);
  await plans.submitPlan(tid(), planId, who);
  for (const m of made) await plans.applyActivityCompletion(tid(), { userId: me._id, activityId: m.a._id, completedAt: m.completedAt, source: 'lms' });
  await plans.addReflection(tid(), planId, goalId, { learned: `${mark} learned`, practice: `${mark} practice` }, who);
  const coach = await userOf('coach');
  await plans.addFeedback(tid(), planId, goalId, { text: `${mark} from the coach` }, { userId: coach._id, name: coach.name, role: 'coach' });
  await plans.addFeedback(tid(), planId, goalId, { text: `${mark} reply` }, { ...who, role: 'teacher' });
  const planActivity = (await plans.getPlan(tid(), planId)).goals[0]!.activities[0]!;
  const upload = await s[p]!.launch.agent
    .post(`/plans/${planId}/goals/${goalId}/activities/${planActivity._id}/evidence?ltik=${encodeURIComponent(s[p]!.ltik)}`)
    .field('_csrf', s[p]!.csrf)
    .field('note', `${mark} evidence note`)
    .attach('file', Buffer.from(`%PDF-1.4\n${mark} in the file\n%%EOF`), { filename: 'proof.pdf', contentType: 'application/pdf' });
  expect(upload.status).toBe(303);
  const fw = await frameworks.activeFramework(tid());
  await assessments.submitAssessment(tid(), me._id, { level: Object.fromEntries(fw.competencies.map((c) => [c.code, '2'])), notes: `${mark} assessment notes`, hoursPerMonth: '3' }, who);
  await outbox.enqueue(tid(), { kind: 'ags-score', key: `score:test:${me._id}`, payload: { userId: String(me._id), score: { comment: `${mark} in a score` } }, label: `1/1 for ${me.name}` });
  return { planId, userId: me._id };
}

beforeAll(async () => {
  h = await startHarness();
  await sampleCatalog(tid(), []);
  for (const p of ['teacher', 'teacher2', 'teacher3', 'coach', 'pdlead'] as const) s[p] = await h.launchAs(h.canvas, p);
  for (const p of ['teacher', 'teacher2', 'teacher3'] as const) await users.setCoaches(tid(), (await userOf(p))._id, [(await userOf('coach'))._id]);
  await tenants.updatePolicy(tid(), { approvers: 'none', approvalRequired: false, minHoursPerYear: 0, reflectionRequired: false });
}, 120_000);
afterAll(() => h.close());

test('PD staff set the retention rule on the policy page; a bad one is refused and changes nothing', async () => {
  const page = await s.pdlead!.get('/policy');
  expect(pageText(page.text)).toContain('Completed credit when a teacher deletes their data');
  const bad = await retention('for-ever', '0');
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('Keep credit at least 1 year');
  expect((await tenants.getTenant(tid())).policy.creditRetention).toBe('years');
  expect((await retention('years', '7')).status).toBe(303);
  expect((await s.teacher!.post('/policy', { ...policyForm, creditRetention: 'with-teacher', creditRetentionYears: '7' })).status).toBe(403);
  expect((await tenants.getTenant(tid())).policy.creditRetention).toBe('years');
});

test('refused deletions — no CSRF token, another user’s token, another tenant — change nothing', async () => {
  const mark = 'PRIVATE-MAYA-7f3a';
  const { userId, planId } = await privateLife('teacher', mark);
  mayaPlanId = planId;
  const before = await everything();
  expect(before).toContain(mark);

  const noCsrf = await s.teacher!.launch.agent.post('/my-data/delete').type('form').send({ ltik: s.teacher!.ltik, confirm: 'DELETE' });
  expect(noCsrf.status).toBe(403);
  const otherToken = await s.teacher!.launch.agent.post('/my-data/delete').type('form').send({ ltik: s.teacher!.ltik, _csrf: s.teacher2!.csrf, confirm: 'DELETE' });
  expect(otherToken.status).toBe(403);
  const unconfirmed = await s.teacher!.post('/my-data/delete', { confirm: 'delete' });
  expect(unconfirmed.status).toBe(400);
  expect(unconfirmed.text).toContain('value="delete"');
  const moodle = await h.launchAs(h.moodle, 'teacher');
  expect((await moodle.post('/my-data/delete', { confirm: 'DELETE', userId: String(userId) })).status).toBe(200);

  expect(await plans.planHistory(tid(), userId)).toHaveLength(1);
  expect((await everything()).split(mark).length).toBe(before.split(mark).length);
});

test('the page says what goes at once and what the district keeps; deletion removes every private word and keeps the credit for 7 years', async () => {
  const mark = 'PRIVATE-MAYA-7f3a';
  const userId = (await userOf('teacher'))._id;
  expect(await everything()).toContain(`"link":"/plans/${mayaPlanId}/goals/`);
  const page = pageText((await s.teacher!.get('/my-data/delete')).text);
  expect(page).toContain('Deleted at once: all your plans');
  expect(page).toContain('Your completed PD credit (2 completed activities, 12 h) is a district record. Your district keeps completed PD credit as its record for 7 years after each activity was completed.');

  const res = await s.teacher!.post('/my-data/delete', { confirm: 'DELETE' });
  expect(res.status).toBe(200);
  const text = pageText(res.text);
  expect(text).toContain('Deleted now: 1 plan, 1 reflection, 2 coaching messages, 1 evidence file');
  const until = new Date();
  until.setUTCFullYear(until.getUTCFullYear() + 7);
  expect(text).toContain(`Kept by your district: 1 completed activity (6 h), until ${shown(until)}`);
  expect(res.text).toContain(`<time datetime="${until.toISOString().slice(0, 10)}">`);
  expect(text).toContain('Deleted: 1 completed activity whose keeping period had ended.');
  expect(text).toContain('Why: Your district keeps completed PD credit as its record for 7 years');

  expect(await everything()).not.toContain(mark);
  expect(await plans.planHistory(tid(), userId)).toHaveLength(0);
  const kept = await credit.keptFor(tid(), userId);
  expect(kept.map((k) => [k.title, k.hours, k.cost])).toEqual([['Workshop for teacher', 6, 49.5]]);
  expect(kept[0]!.keepUntil!.getTime()).toBeGreaterThan(Date.now() + 6 * 365 * 86_400_000);
  const entry = (await audit.recent(tid(), { limit: 500 })).find((e) => e.action === 'privacy.data-deleted')!;
  expect(entry.after).toMatchObject({ plans: 1, reflections: 1, coachingMessages: 2, creditKept: 1, creditDeleted: 1, creditRetention: 'years' });
  // The coach's notices about the deleted plan went with it.
  expect(await everything()).not.toContain(`/plans/${mayaPlanId}`);
  // The teacher's own record still shows the credit the district keeps, in its per-year totals.
  const record = pageText((await s.teacher!.get('/my-record')).text);
  expect(record).toContain('Kept by your district');
  expect(record.replace(/ ([;)])/g, '$1')).toContain(`Workshop for teacher — completed ${shown(new Date())}; 6 h, $49.50 (kept until ${shown(until)})`);
  expect(record).toContain(`${new Date().getUTCFullYear()} 1 6 h $49.50`);
});

test('with "delete with the teacher’s data" no credit is kept', async () => {
  expect((await retention('with-teacher')).status).toBe(303);
  const { userId } = await privateLife('teacher2', 'PRIVATE-JORDAN-19c2');
  expect(pageText((await s.teacher2!.get('/my-data/delete')).text)).toContain('Your district deletes completed PD credit together with the teacher’s data.');
  const text = pageText((await s.teacher2!.post('/my-data/delete', { confirm: 'DELETE' })).text);
  expect(text).toContain('Deleted: 2 completed activities.');
  expect(text).not.toContain('Kept by your district');
  expect(await credit.keptFor(tid(), userId)).toHaveLength(0);
  expect(await everything()).not.toContain('PRIVATE-JORDAN-19c2');
  expect(await credit.keptFor(tid(), (await userOf('teacher'))._id)).toHaveLength(1);
});

test('kept until PD staff delete it: listed for PD staff, refused without confirmation or for others, then deleted and audited', async () => {
  expect((await retention('until-deleted')).status).toBe(303);
  const { userId } = await privateLife('teacher3', 'PRIVATE-CHRIS-5d0e');
  const text = pageText((await s.teacher3!.post('/my-data/delete', { confirm: 'DELETE' })).text);
  expect(text).toContain('Kept by your district: 2 completed activities (12 h), until PD staff delete it');
  expect(await everything()).not.toContain('PRIVATE-CHRIS-5d0e');

  const list = pageText((await s.pdlead!.get('/credit/kept')).text);
  expect(list).toContain('Chris Okafor');
  expect(list).toContain('until you delete it');
  expect(list).toContain('$99.00');
  expect((await s.teacher!.get('/credit/kept')).status).toBe(403);
  expect((await s.teacher!.post(`/credit/kept/${userId}/delete`, { confirm: 'yes' })).status).toBe(403);
  const unconfirmed = await s.pdlead!.post(`/credit/kept/${userId}/delete`, {});
  expect(unconfirmed.status).toBe(400);
  expect(unconfirmed.text).toContain('Tick the box to confirm; nothing was deleted.');
  const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  expect((await moodleStaff.post(`/credit/kept/${userId}/delete`, { confirm: 'yes' })).status).toBe(404);
  expect(await credit.keptFor(tid(), userId)).toHaveLength(2);

  const done = await s.pdlead!.post(`/credit/kept/${userId}/delete`, { confirm: 'yes' });
  expect(done.status).toBe(303);
  expect(pageText((await s.pdlead!.launch.agent.get(done.headers.location!)).text)).toContain('Deleted the kept credit: 2 activities of Chris Okafor');
  expect(await credit.keptFor(tid(), userId)).toHaveLength(0);
  expect((await audit.recent(tid(), { limit: 500 })).some((e) => e.action === 'credit.kept-deleted')).toBe(true);
});
