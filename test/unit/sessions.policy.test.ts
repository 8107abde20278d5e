import { Types } from 'mongoose';
import { canCancelSession, canDecideRegistration, canMoveBetween, canRegister, canRunSession, canScheduleSessions, canViewRegistrationApprovals, facilitates, ownsRegistration } from '../../src/sessions/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const facilitator = actorFor(['facilitator'], { tenantId: staff.tenantId });
const teacher = actorFor([], { tenantId: staff.tenantId });
const session = (facilitatorIds: Types.ObjectId[] = [], tenantId = staff.tenantId) => ({ tenantId, facilitatorIds });

test('PD staff schedule and cancel sessions; facilitators and teachers do not', () => {
  expect(canScheduleSessions(staff)).toBe(true);
  expect(canScheduleSessions(facilitator)).toBe(false);
  expect(canCancelSession(staff, session())).toBe(true);
  expect(canCancelSession(facilitator, session([facilitator.userId]))).toBe(false);
  expect(canCancelSession(staff, session([], new Types.ObjectId()))).toBe(false);
});

test('a facilitator runs only the sessions naming them, and only while holding the role', () => {
  expect(canRunSession(facilitator, session([facilitator.userId]))).toBe(true);
  expect(facilitates(facilitator, session([facilitator.userId]))).toBe(true);
  expect(canRunSession(facilitator, session([new Types.ObjectId()]))).toBe(false);
  expect(canRunSession(teacher, session([teacher.userId]))).toBe(false);
  expect(canRunSession(staff, session())).toBe(true);
  expect(canRunSession(facilitator, session([facilitator.userId], new Types.ObjectId()))).toBe(false);
});

test('anyone in the tenant registers; a registration belongs to its person only', () => {
  expect(canRegister(teacher, session())).toBe(true);
  expect(canRegister(teacher, session([], new Types.ObjectId()))).toBe(false);
  expect(ownsRegistration(teacher, { tenantId: teacher.tenantId, userId: teacher.userId })).toBe(true);
  expect(ownsRegistration(teacher, { tenantId: teacher.tenantId, userId: staff.userId })).toBe(false);
  expect(ownsRegistration(teacher, { tenantId: new Types.ObjectId(), userId: teacher.userId })).toBe(false);
});

test('moving someone between sessions takes running both', () => {
  const mine = session([facilitator.userId]);
  expect(canMoveBetween(facilitator, mine, session([facilitator.userId]))).toBe(true);
  expect(canMoveBetween(facilitator, mine, session([new Types.ObjectId()]))).toBe(false);
  expect(canMoveBetween(staff, session(), session())).toBe(true);
  expect(canMoveBetween(teacher, session([teacher.userId]), session([teacher.userId]))).toBe(false);
});

test('a held seat is decided by PD staff or the teacher’s own plan approver, in the same tenant, never by the teacher', () => {
  const held = (userId = teacher.userId, tenantId = staff.tenantId, status = 'awaiting-approval') => ({ tenantId, userId, status });
  const approver = actorFor(['approver'], { tenantId: staff.tenantId });
  const otherSchools = actorFor(['approver'], { tenantId: staff.tenantId, approverScope: new Set([String(new Types.ObjectId())]) });
  const ownSchool = actorFor(['approver'], { tenantId: staff.tenantId, approverScope: new Set([String(teacher.userId)]) });
  expect(canDecideRegistration(staff, held())).toBe(true);
  expect(canDecideRegistration(approver, held())).toBe(true);
  expect(canDecideRegistration(ownSchool, held())).toBe(true);
  expect(canDecideRegistration(otherSchools, held())).toBe(false);
  expect(canDecideRegistration(teacher, held())).toBe(false);
  expect(canDecideRegistration(facilitator, held())).toBe(false);
  expect(canDecideRegistration(approver, held(approver.userId))).toBe(false);
  expect(canDecideRegistration(staff, held(teacher.userId, new Types.ObjectId()))).toBe(false);
  expect(canDecideRegistration(staff, held(teacher.userId, staff.tenantId, 'registered'))).toBe(false);
  // Where PD staff alone approve plans, a granted approver decides no registration either.
  const staffOnly = actorFor(['approver'], { tenantId: staff.tenantId, policy: { ...approver.policy, approvers: 'pd-staff' } });
  expect(canDecideRegistration(staffOnly, held())).toBe(false);
  expect(canViewRegistrationApprovals(staffOnly)).toBe(false);
  expect(canViewRegistrationApprovals(approver)).toBe(true);
  expect(canViewRegistrationApprovals(staff)).toBe(true);
  expect(canViewRegistrationApprovals(teacher)).toBe(false);
});
