import { Types } from 'mongoose';
import * as catalog from '../../src/catalog/service';
import * as groups from '../../src/groups/service';
import * as plans from '../../src/plans/service';
import * as users from '../../src/users/service';
import { Harness, Persona, Session, startHarness } from '../support/harness';
import { pageText } from '../support/forms';
import { sessionsWorld, SessionsWorld, wall } from '../support/sessions';

// Registrations for activities costing more than the district's limit wait for the plan's approver.

let h: Harness;
let w: SessionsWorld;
let staff: Session;
let people: SessionsWorld['people'];
let approver: Session;
let cheapId: string;
let priceyId: string;
const by = { userId: new Types.ObjectId(), name: 'test' };
const tenantId = () => h.canvas.tenantId;
const policyForm = { planMonths: '24', maxCostPerYear: '1500', maxHoursPerYear: '120', minHoursPerYear: '20', approvers: 'approver-grant', creditRetention: 'years', creditRetentionYears: '7', reflectionRequired: 'on', timeZone: 'America/Chicago' };
const policy = async () => (await h.db().collection('tenants').findOne({ _id: tenantId() }))!.policy;
const registrationOf = async (sessionId: string, p: Persona) => {
  const u = await w.userOf(p);
  return (await w.registrations(sessionId)).find((r) => r.userId.equals(u._id))!;
};
const goalHolds = async (p: Persona, activityId: string) => {
  const plan = await plans.currentPlan(tenantId(), (await w.userOf(p))._id);
  return plan!.goals[0]!.activities.find((a) => String(a.activityId) === activityId);
};
const noticesOf = async (p: Persona, kind: string) => h.db().collection('notifications').find({ tenantId: tenantId(), userId: (await w.userOf(p))._id, kind }).toArray();

async function activity(title: string, cost: string) {
  const input = await catalog.validateActivity(tenantId(), { kind: 'workshop', title, provider: 'District PD', competencies: ['ASMT1'], hours: '6', cost, mode: 'in-person', timing: 'sync', startsOn: wall(20).slice(0, 10) });
  return String((await catalog.createActivity(tenantId(), input, by))._id);
}

beforeAll(async () => {
  h = await startHarness();
  w = await sessionsWorld(h, h.canvas, ['teacher', 'teacher2', 'teacher3', 'coach']);
  ({ staff, people } = w);
  // The coach approves plans district-wide; teacher3 approves only for their own school (teacher2 and themselves).
  const [coach, teacher2, teacher3] = [await w.userOf('coach'), await w.userOf('teacher2'), await w.userOf('teacher3')];
  await users.changeGrant(tenantId(), [coach._id, teacher3._id], { grant: 'approver', change: 'add' }, by);
  const school = await groups.createGroup(tenantId(), { name: 'Roosevelt Middle', kind: 'school' }, by);
  await groups.addMembers(tenantId(), school._id, [teacher2._id, teacher3._id], by);
  approver = people.coach!;
  cheapId = await activity('Questioning strategies', '100');
  priceyId = await activity('Assessment literacy institute', '450');
});
afterAll(() => h.close());

test('PD staff set the approval limit on the policy page; bad input comes back as typed and changes nothing', async () => {
  for (const [typed, says] of [['lots', 'Enter the approval limit as a number'], ['-5', 'The approval limit cannot be negative'], ['200000', 'The approval limit looks too large']]) {
    const bad = await staff.post('/policy', { ...policyForm, registrationApprovalAbove: typed });
    expect(bad.status).toBe(400);
    expect(pageText(bad.text)).toContain(says);
    expect(bad.text).toMatch(new RegExp(`id="registrationApprovalAbove"[^>]*value="${typed}"[^>]*aria-invalid="true"`));
    expect((await policy()).registrationApprovalAbove ?? null).toBeNull();
  }
  expect((await people.teacher!.post('/policy', { ...policyForm, registrationApprovalAbove: '1' })).status).toBe(403);

  expect((await staff.post('/policy', { ...policyForm, registrationApprovalAbove: '300' })).status).toBe(303);
  expect((await policy()).registrationApprovalAbove).toBe(300);
  expect((await staff.get('/policy')).text).toMatch(/id="registrationApprovalAbove"[^>]*value="300"/);
  const audited = await h.db().collection('auditLog').findOne({ tenantId: tenantId(), action: 'policy.updated', 'after.registrationApprovalAbove': 300 });
  expect(audited).not.toBeNull();
});

test('under the limit a registration is immediate: seat, goal and invite at once', async () => {
  const id = await w.schedule({ activityId: cheapId });
  expect(pageText((await people.teacher!.get(`/sessions/${id}`)).text)).not.toContain('ask for approval');
  const res = await w.register('teacher', id);
  expect(res.headers.location).toContain('done=registered');
  expect(await registrationOf(id, 'teacher')).toMatchObject({ status: 'registered' });
  expect(await goalHolds('teacher', cheapId)).toBeDefined();
  expect((await people.teacher!.get(`/sessions/${id}/invite.ics`)).status).toBe(200);
  expect(await noticesOf('coach', 'session.approval-requested')).toHaveLength(0);
});

test('over the limit the seat is held for approval; only the teacher’s approver or PD staff decide; approving registers them into their goal', async () => {
  const id = await w.schedule({ activityId: priceyId, seatLimit: '2' });
  const before = pageText((await people.teacher!.get(`/sessions/${id}`)).text);
  expect(before).toContain('more than the $300.00 your district lets you register for without approval');
  expect(before).toContain('Register and ask for approval');

  const res = await w.register('teacher', id);
  expect(res.headers.location).toContain('done=awaiting-approval');
  expect(await registrationOf(id, 'teacher')).toMatchObject({ status: 'awaiting-approval', needsApproval: true });
  expect(await w.sessionDoc(id)).toMatchObject({ seatsLeft: 1 });
  expect(await goalHolds('teacher', priceyId)).toBeUndefined();
  const page = pageText((await people.teacher!.get(`/sessions/${id}?done=awaiting-approval`)).text);
  expect(page).toContain('Your seat is held while your approver decides');
  expect(page).not.toContain('Add to my calendar');
  expect(pageText((await people.teacher!.get('/sessions')).text)).toContain('Awaiting approval');
  expect((await people.teacher!.get(`/sessions/${id}/invite.ics`)).status).toBe(409);
  expect((await w.register('teacher', id)).status).toBe(409);

  // The district-wide approver and PD staff are asked; the approver of another school is not.
  expect((await noticesOf('coach', 'session.approval-requested'))[0]!.title).toContain('Assessment literacy institute');
  expect(await noticesOf('teacher3', 'session.approval-requested')).toHaveLength(0);
  expect(await h.db().collection('notifications').countDocuments({ tenantId: tenantId(), userId: (await users.findBySub(tenantId(), h.canvas.users.pdlead.sub))!._id, kind: 'session.approval-requested' })).toBe(1);

  const reg = await registrationOf(id, 'teacher');
  const path = `/session-approvals/${reg._id}`;
  const otherApprover = people.teacher3!;
  expect(pageText((await otherApprover.get('/session-approvals')).text)).toContain('No registrations are waiting for your approval');
  const moodleStaff = await h.launchAs(h.moodle, 'pdlead');
  const refused = [
    [otherApprover, 403],
    [people.teacher2!, 403],
    [people.teacher!, 403],
    [moodleStaff, 404],
  ] as const;
  for (const [who, status] of refused) expect((await who.post(path, { decision: 'approve' })).status).toBe(status);
  expect((await people.teacher2!.get('/session-approvals')).status).toBe(403);
  expect(await registrationOf(id, 'teacher')).toMatchObject({ status: 'awaiting-approval' });
  expect(await goalHolds('teacher', priceyId)).toBeUndefined();

  const queue = pageText((await approver.get('/session-approvals')).text);
  expect(queue).toContain(h.canvas.users.teacher.name);
  expect(queue).toContain('Assessment literacy institute');
  expect(queue).toContain('$450.00');
  const tooLong = await approver.post(path, { decision: 'decline', comment: 'x'.repeat(2001) });
  expect(tooLong.status).toBe(400);
  expect(pageText(tooLong.text)).toContain('Keep the comment under 2000 characters');
  expect(tooLong.text).toContain('x'.repeat(2001));
  expect(await registrationOf(id, 'teacher')).toMatchObject({ status: 'awaiting-approval' });

  const ok = await approver.post(path, { decision: 'approve', comment: 'Enjoy the institute' });
  expect(ok.status).toBe(303);
  expect(ok.headers.location).toContain('/session-approvals?');
  expect(ok.headers.location).toContain('done=approved');
  const confirmed = pageText((await approver.get('/session-approvals?done=approved')).text);
  expect(confirmed).toContain('Approved: the teacher is registered');
  expect(confirmed).toContain('No registrations are waiting for your approval');
  const approved = await registrationOf(id, 'teacher');
  expect(approved).toMatchObject({ status: 'registered', decision: { decision: 'approved', comment: 'Enjoy the institute' } });
  expect(approved.needsApproval).toBeUndefined();
  expect(await goalHolds('teacher', priceyId)).toMatchObject({ hours: 6, cost: 450 });
  expect(await w.sessionDoc(id)).toMatchObject({ seatsLeft: 1 });
  expect((await noticesOf('teacher', 'session.approved'))[0]!.title).toContain('Approved: you are registered');
  expect((await people.teacher!.get(`/sessions/${id}/invite.ics`)).status).toBe(200);
  expect(pageText((await people.teacher!.get(`/sessions/${id}`)).text)).toContain('You are registered');
  expect(await h.db().collection('auditLog').findOne({ tenantId: tenantId(), action: 'session.registration-approved', 'after.userId': String(approved.userId) })).not.toBeNull();
  // Deciding again finds nothing waiting.
  expect((await approver.post(path, { decision: 'decline' })).status).toBe(409);
});

test('the last held seat goes to one of many concurrent registrations; declining it promotes the next person waiting, who is told', async () => {
  const id = await w.schedule({ activityId: priceyId, seatLimit: '1' });
  const racers = ['teacher2', 'teacher3', 'coach'] as const;
  expect((await Promise.all(racers.map((p) => w.register(p, id)))).map((r) => r.status)).toEqual([303, 303, 303]);
  const regs = await w.registrations(id);
  expect(regs.filter((r) => r.status === 'awaiting-approval')).toHaveLength(1);
  expect(regs.filter((r) => r.status === 'waitlisted').map((r) => r.waitlistNumber).sort()).toEqual([1, 2]);
  expect(await w.sessionDoc(id)).toMatchObject({ seatsLeft: 0, waiting: 2 });

  const held = regs.find((r) => r.status === 'awaiting-approval')!;
  const next = regs.find((r) => r.waitlistNumber === 1)!;
  const [heldBy, nextBy] = [await w.personaOf(held.userId), await w.personaOf(next.userId)];
  // PD staff decide anyone's held seat (the coach cannot decide their own).
  const declined = await staff.post(`/session-approvals/${held._id}`, { decision: 'decline', comment: 'Our budget for institutes is spent this term' });
  expect(declined.status).toBe(303);
  expect(await registrationOf(id, heldBy)).toMatchObject({ status: 'declined', decision: { decision: 'declined' } });
  expect(await registrationOf(id, nextBy)).toMatchObject({ status: 'awaiting-approval' });
  expect(await w.sessionDoc(id)).toMatchObject({ seatsLeft: 0, waiting: 1 });
  expect(await goalHolds(heldBy, priceyId)).toBeUndefined();

  const told = await noticesOf(heldBy, 'session.declined');
  expect(told[0]!.body).toContain('Our budget for institutes is spent this term');
  const page = pageText((await people[heldBy]!.get(`/sessions/${id}`)).text);
  expect(page).toContain('Not approved');
  expect(page).toContain('Our budget for institutes is spent this term');
  expect(page).toContain('Join the waitlist');
  expect((await noticesOf(nextBy, 'session.promoted'))[0]!.title).toContain('held for you while your approver decides');
  expect(await h.db().collection('auditLog').findOne({ tenantId: tenantId(), action: 'session.registration-declined', 'after.comment': 'Our budget for institutes is spent this term' })).not.toBeNull();
});

test('a completed goal takes no more activities: it is not offered for a session, registering for it is refused, and a seat whose goal completed meanwhile is not approved', async () => {
  const summitId = await activity('Leadership summit', '500');
  const id = await w.schedule({ activityId: summitId, seatLimit: '3' });
  expect((await w.register('teacher2', id)).headers.location).toContain('done=awaiting-approval');
  const held = await registrationOf(id, 'teacher2');
  const teacher2 = await w.userOf('teacher2');
  // The goal completes while the seat waits (the LMS synced its last activity).
  await h.db().collection('plans').updateOne({ tenantId: tenantId(), userId: teacher2._id, current: true, 'goals._id': new Types.ObjectId(w.goals.get('teacher2')) }, { $set: { 'goals.$.status': 'completed', 'goals.$.progress': 1, 'goals.$.completedAt': new Date() } });
  const planBefore = await plans.currentPlan(tenantId(), teacher2._id);

  const refused = await approver.post(`/session-approvals/${held._id}`, { decision: 'approve', comment: 'Go for it' });
  expect(refused.status).toBe(409);
  expect(pageText(refused.text)).toContain('The goal the teacher chose was completed meanwhile, so the activity cannot go into it and nothing was approved');
  expect(await registrationOf(id, 'teacher2')).toMatchObject({ status: 'awaiting-approval', needsApproval: true });
  expect(await w.sessionDoc(id)).toMatchObject({ seatsLeft: 2 });
  expect(await plans.currentPlan(tenantId(), teacher2._id)).toEqual(planBefore);

  // Registering for another session of it: the completed goal is not offered, and posting it anyway is refused.
  const other = await w.schedule({ activityId: summitId, seatLimit: '3' });
  const page = (await people.teacher2!.get(`/sessions/${other}`)).text;
  expect(page).not.toContain(`value="${w.goals.get('teacher2')}"`);
  const again = await w.register('teacher2', other);
  expect(again.status).toBe(400);
  expect(pageText(again.text)).toContain('That goal is completed, so the activity cannot go into it');
  expect(await w.registrations(other)).toHaveLength(0);
  expect(await w.sessionDoc(other)).toMatchObject({ seatsLeft: 3 });
});
