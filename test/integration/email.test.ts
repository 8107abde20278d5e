import supertest from 'supertest';
import { SignJWT } from 'jose';
import * as catalog from '../../src/catalog/service';
import { config } from '../../src/config';
import * as frameworks from '../../src/frameworks/service';
import * as groups from '../../src/groups/service';
import * as notices from '../../src/notifications/service';
import { deliverDue, useClock } from '../../src/outbox/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { pageText } from '../support/forms';
import { Harness, Persona, Session, startHarness } from '../support/harness';
import { linkAfter, Mailbox, startMailbox } from '../support/mailbox';

// Email through a real SMTP server: who gets what, their choices, unsubscribe links, and one email per
// notice and person however the outbox retries.

let h: Harness;
let mail: Mailbox;
const s: Partial<Record<Persona, Session>> = {};
const tenantId = () => h.canvas.tenantId;
const inMonths = (m: number) => new Date(Date.now() + m * 30 * 86_400_000).toISOString().slice(0, 10);
const userOf = async (p: Persona) => (await users.findBySub(tenantId(), h.canvas.users[p].sub))!;
const addressOf = (p: Persona) => h.canvas.users[p].email!;
const pathOf = (url: string) => url.replace(h.toolUrl, '');

async function submittedPlan(p: Persona): Promise<string> {
  const created = await s[p]!.post('/plan');
  const planId = /\/plans\/([a-f0-9]{24})/.exec(created.headers.location!)![1]!;
  await s[p]!.post(`/plans/${planId}/goals`, { statement: 'Use exit tickets to adjust the next lesson', competency: 'ASMT1', targetLevel: '3', measure: 'Exit tickets in most lessons', targetDate: inMonths(12) });
  const goalId = String((await plans.getPlan(tenantId(), planId)).goals[0]!._id);
  await s[p]!.post(`/plans/${planId}/goals/${goalId}/activities/custom`, { title: 'Grade-team data meetings', hours: '50', cost: '0', required: 'on' });
  const sent = await s[p]!.post(`/plans/${planId}/submit`, { text: 'Wednesdays after school', agreed: 'on' });
  if (sent.status !== 303) throw new Error(pageText(sent.text).slice(0, 2000));
  return planId;
}

/** A notice for `p` as a feature would write it; its email then waits in the outbox. */
async function noticeFor(p: Persona, kind: string, title: string) {
  await notices.notify(tenantId(), { userId: (await userOf(p))._id, kind, title, body: 'Details inside.', link: '/plan' });
}

beforeAll(async () => {
  h = await startHarness();
  mail = await startMailbox();
  await frameworks.ensureSampleFramework(tenantId());
  await catalog.ensureSampleCatalog(tenantId(), { lmsCourseIds: [h.canvas.course.id] });
  for (const p of ['teacher', 'teacher2', 'teacher3', 'coach', 'pdlead'] as const) s[p] = await h.launchAs(h.canvas, p);
}, 60_000);
afterAll(async () => {
  await mail.stop();
  await h.close();
});

test('a submitted plan emails the approver and the decision emails the teacher: text and HTML, unsubscribe headers, links without a session', async () => {
  const planId = await submittedPlan('teacher');
  const [toApprover] = await mail.deliverTo(addressOf('pdlead'));
  expect(toApprover!.subject).toBe('Maya Patel submitted a PD plan for approval');
  expect(toApprover!.from).toContain('PD Pathways');

  expect((await s.pdlead!.post(`/plans/${planId}/decision`, { decision: 'approve', comment: 'Lovely plan' })).status).toBe(303);
  const [approved] = await mail.deliverTo(addressOf('teacher'));
  expect(approved!.subject).toBe('Your PD plan is approved!');
  expect(approved!.text).toContain('Lovely plan');
  expect(approved!.html).toContain('<a href="http://127.0.0.1');
  expect(approved!.listUnsubscribe).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/email\/unsubscribe\?token=[\w.-]+>$/);
  expect(approved!.listUnsubscribePost).toBe('List-Unsubscribe=One-Click');
  // No link carries a session: the link to the plan leads to a page that says to open the tool from the LMS.
  expect(approved!.text + approved!.html).not.toMatch(/ltik|_csrf/);
  const open = await supertest(h.app).get(pathOf(linkAfter(approved!.text, 'Open it in PD Pathways')));
  expect(open.status).toBe(200);
  expect(pageText(open.text)).toContain('Sign in to Test Canvas');
  expect(pageText(open.text)).toContain('Go to the PD plan');
  expect((await supertest(h.app).get('/email/open/000000000000000000000000?to=/plan')).status).toBe(404);
  const withQuery = await supertest(h.app).get(`/email/open/${tenantId()}?to=${encodeURIComponent('/sessions/abc?done=1#x')}`);
  expect(pageText(withQuery.text)).toContain('Go to the PD session');
  expect((await supertest(h.app).get(`/email/open/${tenantId()}?to=${encodeURIComponent('javascript:alert(1)')}`)).status).toBe(404);
});

test('each person chooses their emails: turned off, the notice stays in the app and no email goes; other kinds keep coming', async () => {
  const page = await s.teacher2!.get('/email/preferences');
  expect(page.status).toBe(200);
  expect(page.text).toMatch(/value="plan-decisions"[^>]*checked/);
  expect(page.text).not.toContain('value="weekly-digest"'); // approvers' emails are not offered to a teacher
  expect((await s.teacher2!.post('/email/preferences', { on: ['sessions', 'coaching'] })).headers.location).toContain('done=saved');
  expect(pageText((await s.teacher2!.get('/email/preferences?done=saved')).text)).toContain('Your email preferences were saved');

  await noticeFor('teacher2', 'plan.returned', 'Your plan was returned with comments');
  await noticeFor('teacher2', 'feedback', 'Sam left feedback on your goal');
  const got = await mail.deliverTo(addressOf('teacher2'));
  expect(got.map((m) => m.subject)).toEqual(['Sam left feedback on your goal']);
  expect(pageText((await s.teacher2!.get('/notifications')).text)).toContain('Your plan was returned with comments');

  // A kind that does not exist is refused and nothing changes.
  expect((await s.teacher2!.post('/email/preferences', { on: ['sessions', 'everything'] })).status).toBe(400);
  expect((await s.teacher2!.get('/email/preferences')).text).toMatch(/value="coaching"[^>]*checked/);
  // Without the CSRF token nothing is saved.
  expect((await s.teacher2!.launch.agent.post('/email/preferences').type('form').send({ ltik: s.teacher2!.ltik, on: 'other' })).status).toBe(403);
});

test('an unsubscribe link asks on GET, turns off that one kind on POST (also as a one-click POST), and refuses tampered or expired tokens', async () => {
  await noticeFor('teacher3', 'feedback', 'First feedback');
  const [first] = await mail.deliverTo(addressOf('teacher3'));
  const link = pathOf(linkAfter(first!.text, 'Stop these emails'));

  const ask = await supertest(h.app).get(link);
  expect(ask.status).toBe(200);
  expect(pageText(ask.text)).toMatch(/Stop getting “ ?Coaching and feedback ?” emails/);
  await supertest(h.app).get(link); // a mail scanner opening the link changes nothing
  await noticeFor('teacher3', 'feedback', 'Second feedback');
  expect((await mail.deliverTo(addressOf('teacher3'))).map((m) => m.subject)).toEqual(['First feedback', 'Second feedback']);

  const token = new URL(link, h.toolUrl).searchParams.get('token')!;
  const tampered = `${token.slice(0, -3)}${token.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
  expect((await supertest(h.app).post('/email/unsubscribe').type('form').send({ token: tampered })).status).toBe(400);
  const expired = await new SignJWT({ t: String(tenantId()), k: 'coaching' }).setProtectedHeader({ alg: 'HS256' }).setSubject(String((await userOf('teacher3'))._id)).setAudience('pd-pathways:unsubscribe').setIssuedAt(1_600_000_000).setExpirationTime(1_600_000_100).sign(config().secrets.emailKey);
  const refused = await supertest(h.app).post('/email/unsubscribe').type('form').send({ token: expired });
  expect(refused.status).toBe(400);
  expect(pageText(refused.text)).toContain('This unsubscribe link does not work');
  await noticeFor('teacher3', 'feedback', 'Third feedback');
  expect(await mail.deliverTo(addressOf('teacher3'))).toHaveLength(3);

  // The mail client's one-click POST (RFC 8058): token in the URL, List-Unsubscribe=One-Click in the body.
  const oneClick = await supertest(h.app).post(link).type('form').send('List-Unsubscribe=One-Click');
  expect(oneClick.status).toBe(200);
  expect(pageText(oneClick.text)).toContain('you will no longer get “Coaching and feedback” emails');
  await noticeFor('teacher3', 'feedback', 'Fourth feedback');
  await noticeFor('teacher3', 'session.promoted', 'A seat opened');
  expect((await mail.deliverTo(addressOf('teacher3'))).map((m) => m.subject)).toEqual(['First feedback', 'Second feedback', 'Third feedback', 'A seat opened']);
  expect((await s.teacher3!.get('/email/preferences')).text).not.toMatch(/value="coaching"[^>]*checked/);
  // The confirm page's own form says it was already off.
  expect(pageText((await supertest(h.app).post('/email/unsubscribe').type('form').send({ token })).text)).toContain('were already off');
});

test('a delivery the SMTP server refused is retried and arrives once; a retry after the server accepted sends nothing', async () => {
  mail.capture.refuseNext(1);
  await noticeFor('coach', 'assessment.submitted', 'A teacher completed a needs assessment');
  expect(await deliverDue()).toMatchObject({ retried: 1, done: 0 });
  const waiting = await h.db().collection('outbox').findOne({ tenantId: tenantId(), kind: 'email', status: 'pending' });
  expect(waiting!.lastError).toMatch(/SMTP server 127\.0\.0\.1:\d+ deferred the message: 451/);
  expect(mail.to(addressOf('coach'))).toHaveLength(0);
  try {
    useClock(() => new Date(Date.now() + 3_600_000));
    expect(await deliverDue()).toMatchObject({ done: 1 });
    expect(mail.to(addressOf('coach'))).toHaveLength(1);
    // A worker that lost its lease after the server took the message: the queue hands it out again.
    await h.db().collection('outbox').updateOne({ _id: waiting!._id }, { $set: { status: 'pending', nextAttemptAt: new Date(0) } });
    expect(await deliverDue()).toMatchObject({ done: 1 });
  } finally {
    useClock(() => new Date());
  }
  expect(mail.to(addressOf('coach'))).toHaveLength(1);
  // The notice flow retried (the same dedupe key) makes no second email either.
  const coach = await userOf('coach');
  await notices.notify(tenantId(), { userId: coach._id, kind: 'feedback', title: 'Once only', dedupeKey: 'once-only' });
  await notices.notify(tenantId(), { userId: coach._id, kind: 'feedback', title: 'Once only', dedupeKey: 'once-only' });
  expect((await mail.deliverTo(addressOf('coach'))).filter((m) => m.subject === 'Once only')).toHaveLength(1);
});

test('managers are copied where PD staff say so; only PD staff change that setting', async () => {
  expect((await s.teacher!.get('/email/settings')).status).toBe(403);
  expect((await s.teacher!.post('/email/settings', { on: 'plan-decisions' })).status).toBe(403);
  const form = await s.pdlead!.get('/email/settings');
  expect(pageText(form.text)).toContain('Copy managers on emails about their teachers');
  expect((await s.pdlead!.post('/email/settings', { on: ['plan-decisions'] })).headers.location).toContain('done=saved');

  // The coach is also the principal of teacher2's school: an approver in the same school group.
  const lead = await userOf('pdlead');
  const coach = await userOf('coach');
  await users.setGrants(tenantId(), coach._id, ['approver'], { userId: lead._id, name: lead.name });
  const school = await groups.createGroup(tenantId(), { name: 'Lincoln Elementary', kind: 'school' }, { userId: lead._id, name: lead.name });
  await groups.addMembers(tenantId(), school._id, [coach._id, (await userOf('teacher2'))._id], { userId: lead._id, name: lead.name });
  await s.teacher2!.post('/email/preferences', { on: ['plan-decisions'] });
  const before = mail.to(addressOf('coach')).length;

  await noticeFor('teacher2', 'plan.approved', 'Your PD plan is approved!');
  await noticeFor('teacher2', 'feedback', 'Not copied: feedback');
  const copies = (await mail.deliverTo(addressOf('coach'))).slice(before);
  expect(copies.map((m) => m.subject)).toEqual(['[Copy] Jordan Lee: Your PD plan is approved!']);
  expect(copies[0]!.text).toContain('Your district copies managers on these emails');
  expect((await mail.deliverTo(addressOf('teacher2'))).map((m) => m.subject)).toContain('Your PD plan is approved!');
});

test('the weekly digest lists what waits for each approver, once a week, on its day only', async () => {
  const { queueWeeklyDigests } = await import('../../src/email/service');
  await submittedPlan('teacher3');
  const lead = addressOf('pdlead');
  const before = mail.to(lead).length;
  const { weekday, hourUtc } = config().email.digest;
  const sendDay = new Date(Date.UTC(2031, 0, 5 + weekday, hourUtc, 30)); // 5 Jan 2031 is a Sunday
  expect(await queueWeeklyDigests(new Date(sendDay.getTime() + 86_400_000))).toBe(0);
  expect(await queueWeeklyDigests(sendDay)).toBeGreaterThan(0);
  await queueWeeklyDigests(new Date(sendDay.getTime() + 3_600_000)); // the next hourly run, the same week
  const digests = (await mail.deliverTo(lead)).slice(before).filter((m) => m.subject.startsWith('Your PD Pathways week'));
  expect(digests).toHaveLength(1);
  expect(digests[0]!.text).toContain('Chris Okafor: plan submitted for approval');
  expect(digests[0]!.text).toContain('Open the approval queue');
});

test('the weekly digest also lists session seats held for the approver, and not their own', async () => {
  const { queueWeeklyDigests } = await import('../../src/email/service');
  const tenants = await import('../../src/tenants/service');
  const day = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  const input = await catalog.validateActivity(tenantId(), { kind: 'workshop', title: 'Assessment literacy institute', provider: 'District PD', competencies: ['ASMT1'], hours: '6', cost: '450', mode: 'in-person', timing: 'sync', startsOn: day });
  const pricey = await catalog.createActivity(tenantId(), input, { userId: (await userOf('pdlead'))._id, name: 'PD lead' });
  await tenants.updatePolicy(tenantId(), { registrationApprovalAbove: 300 });
  try {
    const created = await s.pdlead!.post('/sessions', { activityId: String(pricey._id), startsAt: `${day}T09:00`, endsAt: `${day}T12:00`, place: 'Lincoln Elementary, room 12', seatLimit: '5' });
    const sessionId = /\/sessions\/([a-f0-9]{24})/.exec(created.headers.location!)![1]!;
    const draft = await s.teacher3!.post('/plan');
    const planId = /\/plans\/([a-f0-9]{24})/.exec(draft.headers.location!)![1]!;
    const goalId = String((await plans.getPlan(tenantId(), planId)).goals[0]!._id);
    const held = await s.teacher3!.post(`/sessions/${sessionId}/register`, { goalId });
    expect(held.headers.location).toContain('done=awaiting-approval');
    const lead = addressOf('pdlead');
    const before = mail.to(lead).length;
    const { weekday, hourUtc } = config().email.digest;
    expect(await queueWeeklyDigests(new Date(Date.UTC(2031, 0, 12 + weekday, hourUtc, 30)))).toBeGreaterThan(0);
    const [digest] = (await mail.deliverTo(lead)).slice(before).filter((m) => m.subject.startsWith('Your PD Pathways week'));
    expect(digest!.subject).toContain('and 1 session seat to decide');
    expect(digest!.text).toContain(`Chris Okafor: a seat held for your approval in ${pricey.title}`);
    expect(digest!.text).toContain('to=%2Fsession-approvals');
    // The teacher who holds the seat is not asked about their own (teacher3 is no approver, so gets no digest).
    expect((await mail.deliverTo(addressOf('teacher3'))).filter((m) => m.subject.startsWith('Your PD Pathways week'))).toHaveLength(0);
  } finally {
    await tenants.updatePolicy(tenantId(), { registrationApprovalAbove: null });
  }
});

test('a session starting within a day reminds everyone seated, in the app and by email, once', async () => {
  const { sendReminders } = await import('../../src/email/service');
  const tenants = await import('../../src/tenants/service');
  await tenants.updatePolicy(tenantId(), { timeZone: 'America/Chicago' });
  const workshop = (await catalog.listActivities(tenantId(), { kind: 'workshop' })).find((a) => a.cost < 500 && !a.certificateRequired)!;
  const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  const created = await s.pdlead!.post('/sessions', { activityId: String(workshop._id), startsAt: `${day}T09:00`, endsAt: `${day}T12:00`, place: 'Lincoln Elementary, room 12', seatLimit: '5' });
  const sessionId = /\/sessions\/([a-f0-9]{24})/.exec(created.headers.location!)![1]!;
  const draft = await s.teacher2!.post('/plan');
  const planId = /\/plans\/([a-f0-9]{24})/.exec(draft.headers.location!)![1]!;
  await s.teacher2!.post(`/plans/${planId}/goals`, { statement: 'Plan lessons with the workshop ideas', competency: 'ASMT1', targetLevel: '3', measure: 'Two lessons a month', targetDate: inMonths(12) });
  const goalId = String((await plans.getPlan(tenantId(), planId)).goals[0]!._id);
  const joined = await s.teacher2!.post(`/sessions/${sessionId}/register`, { goalId });
  if (joined.status !== 303) throw new Error(pageText(joined.text).slice(0, 1500));
  const startsAt = (await h.db().collection('pdsessions').findOne({ _id: new (await import('mongoose')).Types.ObjectId(sessionId) }))!.startsAt as Date;

  await s.teacher2!.post('/email/preferences', { on: ['plan-decisions', 'session-reminders'] }); // they had turned reminders off
  await sendReminders(new Date(startsAt.getTime() - 30 * 3_600_000)); // 30 h ahead: not yet
  await sendReminders(new Date(startsAt.getTime() - 12 * 3_600_000));
  await sendReminders(new Date(startsAt.getTime() - 11 * 3_600_000));
  const reminders = (await mail.deliverTo(addressOf('teacher2'))).filter((m) => m.subject === `Coming up: ${workshop.title}`);
  expect(reminders).toHaveLength(1);
  expect(reminders[0]!.text).toMatch(/9:00 AM CST, Lincoln Elementary, room 12/);
  expect(pageText((await s.teacher2!.get('/notifications')).text)).toContain(`Coming up: ${workshop.title}`);
});

test('deleting a person’s data also deletes their email choices, sent-email records and queued emails, their managers’ copies too', async () => {
  const { emit } = await import('../../src/events');
  const teacher2 = await userOf('teacher2');
  await noticeFor('teacher2', 'plan.approved', 'Queued, never sent'); // the district copies their manager on these
  const queued = { tenantId: tenantId(), kind: 'email', status: 'pending', $or: [{ 'payload.userId': String(teacher2._id) }, { 'payload.aboutUserId': String(teacher2._id) }] };
  expect(await h.db().collection('outbox').countDocuments(queued)).toBe(2);
  expect(await h.db().collection('sentemails').countDocuments({ tenantId: tenantId(), userId: teacher2._id })).toBeGreaterThan(0);
  await emit('user.data-deleted', { tenantId: tenantId(), userId: teacher2._id });
  expect(await h.db().collection('outbox').countDocuments(queued)).toBe(0);
  expect(await h.db().collection('sentemails').countDocuments({ tenantId: tenantId(), userId: teacher2._id })).toBe(0);
  expect(await h.db().collection('emailpreferences').countDocuments({ tenantId: tenantId(), userId: teacher2._id })).toBe(0);
});

test('a wrong SMTP setting says what to fix: in the configuration, and on the outbox message', async () => {
  const { resolveConfig } = await import('../../src/config');
  const raw = { ...config(), email: { ...config().email, smtp: { ...config().email.smtp, port: 'seventy' } } };
  expect(() => resolveConfig(raw)).toThrow(/email\.smtp\.port: /);
  const withUser = { ...config(), email: { ...config().email, smtp: { ...config().email.smtp, host: 'smtp.example.org', user: 'pd' } } };
  expect(() => resolveConfig(withUser)).toThrow('email.smtp.user is set (SMTP_USER) but SMTP_PASSWORD is not');

  const { useSmtpServer } = await import('../../src/email/service');
  useSmtpServer({ host: '127.0.0.1', port: 1, secure: false, requireTls: false, plain: true });
  try {
    await noticeFor('teacher', 'feedback', 'Into a closed port');
    expect(await deliverDue()).toMatchObject({ retried: 1 });
    const failed = await h.db().collection('outbox').findOne({ tenantId: tenantId(), kind: 'email', status: 'pending' });
    expect(failed!.lastError).toMatch(/SMTP server 127\.0\.0\.1:1 could not be reached .*check SMTP_HOST and SMTP_PORT/);
    await h.db().collection('outbox').deleteOne({ _id: failed!._id });
  } finally {
    useSmtpServer(mail.capture.target());
  }
});
