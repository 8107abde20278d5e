import { Types } from 'mongoose';
import { canCancelSession, canMoveBetween, canRegister, canRunSession, canScheduleSessions, facilitates, ownsRegistration } from '../../src/sessions/policy';
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
