import { Types } from 'mongoose';
import * as credit from '../../src/credit/service';
import * as notices from '../../src/notifications/service';
import * as plans from '../../src/plans/service';
import * as requests from '../../src/requests/service';
import * as users from '../../src/users/service';
import { ApprovalChain } from '../../src/requests/model';
import { planWith, sampleCatalog } from '../support/completions';
import { pageText } from '../support/forms';
import { Harness, Session, startHarness } from '../support/harness';

let h: Harness;
let staff: Session;
let teacher: Session;
let teacher2: Session;
let principal: Session;
let goalId: string;
let goalId2: string;
let budgetId: string;
const tenantId = () => h.canvas.tenantId;
const userOf = async (p: 'teacher' | 'teacher2' | 'coach') => (await users.findBySub(tenantId(), h.canvas.users[p].sub))!;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const idFrom = (res: { headers: Record<string, string> }) => /\/requests\/([a-f0-9]{24})/.exec(res.headers.location!)![1]!;
const budget = async () => requests.getBudget(tenantId(), budgetId);

function form(over: Record<string, string> = {}) {
  return { kind: 'conference', title: 'State literacy conference', provider: 'State Reading Association', startsOn: '2026-10-05', endsOn: '2026-10-06', hours: '12', creditType: 'ctle-hours', registration: '400', travel: '150', substitute: '50', budgetId, goalId, ...over };
}

async function submitted(over: Record<string, string> = {}, who = teacher): Promise<string> {
  const res = await who.post('/requests', form(over));
  expect(res.status).toBe(303);
  return idFrom(res);
}

const decide = (s: Session, id: string, decision: string, comment = '') => s.post(`/requests/${id}/decision`, { decision, comment });

beforeAll(async () => {
  h = await startHarness();
  const catalogItems = await sampleCatalog(tenantId(), []);
  staff = await h.launchAs(h.canvas, 'pdlead');
  teacher = await h.launchAs(h.canvas, 'teacher');
  teacher2 = await h.launchAs(h.canvas, 'teacher2');
  await h.launchAs(h.canvas, 'coach');
  const coach = await userOf('coach');
  expect((await staff.post(`/people/${coach._id}/grants`, { grants: 'approver' })).status).toBe(303);
  principal = await h.launchAs(h.canvas, 'coach');
  const me = await userOf('teacher');
  ({ goalId } = await planWith(tenantId(), { userId: me._id, name: me.name }, [catalogItems[0]!]).then((p) => ({ goalId: String(p.goalId) })));
  const you = await userOf('teacher2');
  goalId2 = String((await planWith(tenantId(), { userId: you._id, name: you.name }, [catalogItems[0]!])).goalId);
  expect((await staff.post('/credit/types', { name: 'CTLE hours', clockHoursPerUnit: '1' })).status).toBe(303);
  expect((await staff.post('/requests/budgets', { name: 'Title II', schoolYear: '2026-27', amount: '1000' })).status).toBe(303);
  budgetId = String((await requests.listBudgets(tenantId()))[0]!._id);
}, 120_000);
afterAll(() => h.close());

describe('the approval chain', () => {
  let id: string;
  test('a request waits for the principal, then the PD office, and the final approval makes it a plan activity with the money committed', async () => {
    id = await submitted();
    expect(pageText((await teacher.get(`/requests/${id}`)).text)).toContain('Waiting for approval: Principal');
    expect((await notices.recent(tenantId(), (await userOf('coach'))._id)).some((n) => n.kind === 'request.submitted')).toBe(true);
    expect((await decide(principal, id, 'approve', 'Good fit')).status).toBe(303);
    expect((await requests.getRequest(tenantId(), id)).stepIndex).toBe(1);
    expect((await decide(principal, id, 'approve')).status).toBe(403);
    expect((await decide(staff, id, 'approve')).status).toBe(303);
    const r = await requests.getRequest(tenantId(), id);
    expect(r).toMatchObject({ status: 'approved', committed: 600 });
    const plan = await plans.currentPlan(tenantId(), r.userId);
    expect(plan!.goals.flatMap((g) => g.activities).find((a) => a._id.equals(r.planActivityId!))).toMatchObject({ title: 'State literacy conference', cost: 600, hours: 12, certificateRequired: true });
    expect(await budget()).toMatchObject({ committed: 600, balance: 400 });
    const page = pageText((await teacher.get(`/requests/${id}`)).text);
    expect(page).toContain('Approved this step (Principal)');
    expect(page).toContain('Good fit');
    expect((await notices.recent(tenantId(), r.userId)).map((n) => n.kind)).toContain('request.approved');
  });

  test('returned with comments: the teacher sees them, changes the request and it starts over', async () => {
    const other = await submitted({ title: 'Online course: phonics', registration: '100', travel: '0', substitute: '0' });
    const noComment = await decide(principal, other, 'return');
    expect(noComment.status).toBe(400);
    expect(pageText(noComment.text)).toContain('Say why');
    expect((await requests.getRequest(tenantId(), other)).status).toBe('in-approval');
    expect((await decide(principal, other, 'return', 'Add the course syllabus dates')).status).toBe(303);
    expect(pageText((await teacher.get(`/requests/${other}`)).text)).toContain('Add the course syllabus dates');
    const bad = await teacher.post(`/requests/${other}/resubmit`, form({ title: 'Online course: phonics', endsOn: '2026-10-01' }));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('value="Online course: phonics"');
    expect((await requests.getRequest(tenantId(), other)).status).toBe('returned');
    expect((await teacher.post(`/requests/${other}/resubmit`, form({ title: 'Online course: phonics', registration: '100', travel: '0', substitute: '0' }))).status).toBe(303);
    expect(await requests.getRequest(tenantId(), other)).toMatchObject({ status: 'in-approval', stepIndex: 0 });
    expect((await decide(principal, other, 'decline', 'Not this year')).status).toBe(303);
    expect((await requests.getRequest(tenantId(), other)).status).toBe('declined');
  });

  test('bad input keeps what was typed and sends nothing', async () => {
    const before = (await requests.requestsOf(tenantId(), (await userOf('teacher'))._id)).length;
    const res = await teacher.post('/requests', form({ hours: '-3', title: 'Summer institute' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="Summer institute"');
    expect((await requests.requestsOf(tenantId(), (await userOf('teacher'))._id)).length).toBe(before);
  });

  test('a teacher cannot decide their own request nor see someone else’s; another district’s id is not found; no CSRF token, no change', async () => {
    const theirs = await submitted({ title: 'Math leadership summit', registration: '50', travel: '0', substitute: '0', goalId: goalId2 }, teacher2);
    expect((await decide(teacher2, theirs, 'approve')).status).toBe(403);
    expect((await teacher.get(`/requests/${theirs}`)).status).toBe(404);
    expect((await decide(teacher, theirs, 'approve')).status).toBe(404);
    const foreign = await h.launchAs(h.moodle, 'pdlead');
    expect((await foreign.get(`/requests/${theirs}`)).status).toBe(404);
    expect((await decide(foreign, theirs, 'approve')).status).toBe(404);
    const noCsrf = await principal.launch.agent.post(`/requests/${theirs}/decision`).type('form').send({ ltik: principal.ltik, decision: 'approve' });
    expect(noCsrf.status).toBe(403);
    expect((await teacher.post('/requests/budgets', { name: 'Mine', schoolYear: '2026-27', amount: '9' })).status).toBe(403);
    expect(await requests.getRequest(tenantId(), theirs)).toMatchObject({ status: 'in-approval', stepIndex: 0 });
  });

  test('a district has one approval chain: the database refuses a second', async () => {
    await ApprovalChain.init();
    const byKey = (await ApprovalChain.collection.indexes()).filter((i) => JSON.stringify(i.key) === '{"tenantId":1}');
    expect(byKey).toEqual([expect.objectContaining({ unique: true })]);
    const district = new Types.ObjectId();
    await ApprovalChain.collection.insertOne({ tenantId: district, steps: [] });
    await expect(ApprovalChain.collection.insertOne({ tenantId: district, steps: [] })).rejects.toThrow(/duplicate key/);
  });
});

describe('budgets', () => {
  test('a final approval the budget cannot pay is refused naming the balance, and nothing changes', async () => {
    const id = await submitted({ title: 'Reading Recovery institute', registration: '450', travel: '0', substitute: '0' });
    await decide(principal, id, 'approve');
    const res = await decide(staff, id, 'approve');
    expect(res.status).toBe(409);
    expect(pageText(res.text)).toContain('Title II (2026-27) has $400.00 left, less than the $450.00 this request costs');
    expect(await requests.getRequest(tenantId(), id)).toMatchObject({ status: 'in-approval', stepIndex: 1, committed: 0 });
    expect(await budget()).toMatchObject({ committed: 600, balance: 400 });
    expect(pageText((await staff.get('/requests/settings')).text)).toMatch(/Title II 2026-27 \$1,000.00 \$600.00 \$0.00 \$400.00/);
  });

  test('two approvals racing for the last money: exactly one wins', async () => {
    const a = await submitted({ title: 'Race A', registration: '300', travel: '0', substitute: '0' });
    const b = await submitted({ title: 'Race B', registration: '300', travel: '0', substitute: '0' });
    await decide(principal, a, 'approve');
    await decide(principal, b, 'approve');
    const staff2 = await h.launchAs(h.canvas, 'pdlead');
    const results = await Promise.all([decide(staff, a, 'approve'), decide(staff2, b, 'approve')]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 409]);
    const states = [(await requests.getRequest(tenantId(), a)).status, (await requests.getRequest(tenantId(), b)).status].sort();
    expect(states).toEqual(['approved', 'in-approval']);
    expect(await budget()).toMatchObject({ committed: 900, balance: 100 });
  });
});

describe('proof, credit and reimbursement', () => {
  let id: string;
  beforeAll(async () => {
    id = String((await requests.requestsOf(tenantId(), (await userOf('teacher'))._id)).find((r) => r.title === 'State literacy conference')!._id);
  });

  test('a file of the wrong type is refused; a PDF certificate is sent; verifying grants the CTLE credit once', async () => {
    const wrong = await teacher.launch.agent.post(`/requests/${id}/proof?ltik=${encodeURIComponent(teacher.ltik)}`).field('_csrf', teacher.csrf).attach('proof', Buffer.from('hello'), 'cert.pdf');
    expect(wrong.status).toBe(400);
    expect((await requests.getRequest(tenantId(), id)).status).toBe('approved');
    const ok = await teacher.launch.agent.post(`/requests/${id}/proof?ltik=${encodeURIComponent(teacher.ltik)}`).field('_csrf', teacher.csrf).attach('proof', PDF, 'certificate.pdf');
    expect(ok.status).toBe(303);
    expect((await staff.post(`/requests/${id}/proof/decision`, { decision: 'reject' })).status).toBe(400);
    const twice = await Promise.all([staff.post(`/requests/${id}/proof/decision`, { decision: 'verify' }), staff.post(`/requests/${id}/proof/decision`, { decision: 'verify' })]);
    expect(twice.map((r) => r.status).sort()).toEqual([303, 409]);
    const records = (await credit.creditRecordsOf(tenantId(), (await userOf('teacher'))._id)).filter((c) => c.title === 'State literacy conference');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ provider: 'State Reading Association', source: 'outside-pd' });
    expect(records[0]!.awards.map((a) => [a.typeKey, a.amount])).toEqual([['clock-hours', 12], ['ctle-hours', 12]]);
    expect((await requests.getRequest(tenantId(), id)).status).toBe('verified');
    const download = await staff.get(`/requests/${id}/files/${(await requests.getRequest(tenantId(), id)).proof!.fileId}`);
    expect(download.status).toBe(200);
    expect(download.body.toString()).toContain('%PDF-');
  });

  test('reimbursement: claimed with a receipt, an adjustment above the approved cost refused, adjusted, paid out of committed, in the finance CSV', async () => {
    const claim = await teacher.launch.agent.post(`/requests/${id}/reimbursement?ltik=${encodeURIComponent(teacher.ltik)}`).field('_csrf', teacher.csrf).field('claimed', '640').attach('receipts', PDF, 'receipt.pdf');
    expect(claim.status).toBe(303);
    expect(pageText((await teacher.get(`/requests/${id}`)).text)).toContain('Claimed: waiting for PD staff');
    const over = await staff.post(`/requests/${id}/reimbursement/decision`, { decision: 'approve' });
    expect(over.status).toBe(400);
    expect(pageText(over.text)).toContain('At most the 600.00 approved');
    expect((await requests.getRequest(tenantId(), id)).reimbursement!.status).toBe('claimed');
    expect((await staff.post(`/requests/${id}/reimbursement/decision`, { decision: 'adjust', amount: '580', note: 'Parking is not covered' })).status).toBe(303);
    expect(await budget()).toMatchObject({ committed: 300, paid: 580, balance: 120 });
    expect(pageText((await teacher.get(`/requests/${id}`)).text)).toContain('Approved for payment');
    const csv = await staff.get('/requests/reimbursements.csv');
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('request_id,teacher,email,title,provider,funding_source,school_year,approved_cost,claimed,paid,decided_on');
    expect(lines[1]).toContain(`${id},`);
    expect(lines[1]).toContain('State literacy conference,State Reading Association,Title II,2026-27,600.00,640.00,580.00,');
    expect((await teacher.get('/requests/reimbursements.csv')).status).toBe(403);
    expect((await notices.recent(tenantId(), (await userOf('teacher'))._id)).map((n) => n.kind)).toEqual(expect.arrayContaining(['request.verified', 'request.reimbursed', 'request.returned', 'request.declined']));
  });
});
