import supertest from 'supertest';
import { deliverDue, useClock } from '../../src/outbox/service';
import * as requests from '../../src/requests/service';
import * as users from '../../src/users/service';
import { planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';
import { Harness, Persona, Session, startHarness } from '../support/harness';
import { linkAfter, Mailbox, startMailbox } from '../support/mailbox';

// A request for outside PD through its whole flow, its notices arriving as email through a real SMTP
// server: to the deciders of each step, to the teacher on each decision, as each person chose, once.

let h: Harness;
let mail: Mailbox;
const s: Partial<Record<Persona, Session>> = {};
const tenantId = () => h.canvas.tenantId;
const addressOf = (p: Persona) => h.canvas.users[p].email!;
const userOf = async (p: Persona) => (await users.findBySub(tenantId(), h.canvas.users[p].sub))!;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const TITLE = 'Math teachers’ summer institute';
/** Every email kind a teacher is offered, but requests for outside PD. */
const ALL_BUT_OUTSIDE_PD = ['plan-decisions', 'sessions', 'session-reminders', 'reviews-due', 'renewals', 'coaching'];

/** Runs the outbox dry and returns the subjects that reached each person, oldest first. */
async function subjects(...people: Persona[]): Promise<Record<string, string[]>> {
  for (let i = 0; i < 20 && (await deliverDue()).done > 0; i++);
  return Object.fromEntries(people.map((p) => [p, mail.to(addressOf(p)).map((m) => m.subject)]));
}

const upload = (who: Session, path: string) => who.launch.agent.post(`${path}?ltik=${encodeURIComponent(who.ltik)}`).field('_csrf', who.csrf);

beforeAll(async () => {
  h = await startHarness();
  mail = await startMailbox();
  const catalogItems = await sampleCatalog(tenantId(), []);
  s.pdlead = await h.launchAs(h.canvas, 'pdlead');
  s.teacher = await h.launchAs(h.canvas, 'teacher');
  await h.launchAs(h.canvas, 'coach');
  expect((await s.pdlead.post(`/people/${(await userOf('coach'))._id}/grants`, { grants: 'approver' })).status).toBe(303);
  s.coach = await h.launchAs(h.canvas, 'coach'); // the principal: granted Approver, with no groups they answer for everyone
  const me = await userOf('teacher');
  await planWith(tenantId(), { userId: me._id, name: me.name }, [catalogItems[0]!]);
  expect((await s.pdlead.post('/requests/budgets', { name: 'Title II', schoolYear: requests.schoolYearOf(new Date()), amount: '5000' })).status).toBe(303);
}, 120_000);
afterAll(async () => {
  await mail.stop();
  await h.close();
});

test('each step emails the people who decide it and each decision emails the teacher, as they chose, once however the outbox retries', async () => {
  const me = await userOf('teacher');
  const [goal] = await requests.goalChoices(tenantId(), me._id);
  const [budget] = await requests.listBudgets(tenantId());
  const sent = await s.teacher!.post('/requests', { kind: 'conference', title: TITLE, provider: 'State Math Council', startsOn: '2026-07-13', endsOn: '2026-07-17', hours: '30', creditType: 'clock-hours', registration: '650', travel: '0', substitute: '0', budgetId: String(budget!._id), goalId: String(goal!.goalId) });
  expect(sent.status).toBe(303);
  const id = /\/requests\/([a-f0-9]{24})/.exec(sent.headers.location!)![1]!;

  // Submitted: the principal's step goes to the granted approver only, with a link to the request that carries no session.
  expect(await subjects('coach', 'pdlead', 'teacher')).toEqual({ coach: [`Maya Patel asks for approval of outside PD: ${TITLE}`], pdlead: [], teacher: [] });
  const [ask] = mail.to(addressOf('coach'));
  expect(ask!.text).toContain('Step: Principal');
  expect(ask!.text + ask!.html).not.toMatch(/ltik|_csrf/);
  const open = await supertest(h.app).get(linkAfter(ask!.text, 'Open it in PD Pathways').replace(h.toolUrl, ''));
  expect(open.status).toBe(200);
  expect(pageText(open.text)).toContain('Sign in to Test Canvas');

  // The principal approves: the PD office's step goes to PD staff; PD staff approve: the teacher is told.
  expect((await s.coach!.post(`/requests/${id}/decision`, { decision: 'approve', comment: 'Worth it' })).status).toBe(303);
  expect((await subjects('pdlead')).pdlead).toEqual([`Maya Patel asks for approval of outside PD: ${TITLE}`]);
  expect(mail.to(addressOf('pdlead'))[0]!.text).toContain('Step: PD office');
  expect((await s.pdlead!.post(`/requests/${id}/decision`, { decision: 'approve' })).status).toBe(303);
  const [approved] = await mail.deliverTo(addressOf('teacher'));
  expect(approved!.subject).toBe(`Your outside PD request is approved: ${TITLE}`);
  expect(approved!.text).toContain('After you attend, upload your certificate to get the credit.');

  // The teacher turns these emails off: proof verified is a notice in the app, and no email.
  expect((await s.teacher!.post('/email/preferences', { on: ALL_BUT_OUTSIDE_PD })).headers.location).toContain('done=saved');
  expect((await upload(s.teacher!, `/requests/${id}/proof`).attach('proof', PDF, 'certificate.pdf')).status).toBe(303);
  expect((await s.pdlead!.post(`/requests/${id}/proof/decision`, { decision: 'verify' })).status).toBe(303);
  expect(await subjects('teacher', 'pdlead')).toEqual({
    teacher: [`Your outside PD request is approved: ${TITLE}`],
    pdlead: [`Maya Patel asks for approval of outside PD: ${TITLE}`, `Maya Patel sent proof of attending ${TITLE}`],
  });
  expect(pageText((await s.teacher!.get('/notifications')).text)).toContain(`Your attendance is verified: ${TITLE}`);

  // Back on: the claim reaches PD staff; the decision's email, refused once by the SMTP server, arrives once.
  expect((await s.teacher!.post('/email/preferences', { on: [...ALL_BUT_OUTSIDE_PD, 'outside-pd'] })).headers.location).toContain('done=saved');
  expect((await upload(s.teacher!, `/requests/${id}/reimbursement`).field('claimed', '640').attach('receipts', PDF, 'receipt.pdf')).status).toBe(303);
  expect((await subjects('pdlead')).pdlead).toContain(`Maya Patel claims $640.00 for ${TITLE}`);
  mail.capture.refuseNext(1);
  expect((await s.pdlead!.post(`/requests/${id}/reimbursement/decision`, { decision: 'approve' })).status).toBe(303);
  expect(await deliverDue()).toMatchObject({ retried: 1, done: 0 });
  const waiting = await h.db().collection('outbox').findOne({ tenantId: tenantId(), kind: 'email', status: 'pending' });
  try {
    useClock(() => new Date(Date.now() + 3_600_000));
    expect(await deliverDue()).toMatchObject({ done: 1 });
    // A worker that lost its lease after the server took the message gets it again, and sends nothing.
    await h.db().collection('outbox').updateOne({ _id: waiting!._id }, { $set: { status: 'pending', nextAttemptAt: new Date(0) } });
    expect(await deliverDue()).toMatchObject({ done: 1 });
  } finally {
    useClock(() => new Date());
  }
  expect(await subjects('teacher', 'coach')).toEqual({
    teacher: [`Your outside PD request is approved: ${TITLE}`, `Your reimbursement of $640.00 is approved: ${TITLE}`],
    coach: [`Maya Patel asks for approval of outside PD: ${TITLE}`],
  });
});
