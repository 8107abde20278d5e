import { Types } from 'mongoose';
import { canManagePeople, canViewCoachHome, canViewFacilitatorHome, canViewStaffConsole } from '../../src/users/policy';
import { canViewAuditLog } from '../../src/audit/policy';
import { canDismissNotice } from '../../src/notifications/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const teacher = actorFor([], { tenantId: staff.tenantId });
const coach = actorFor(['coach'], { tenantId: staff.tenantId });
const approver = actorFor(['approver'], { tenantId: staff.tenantId });

test('the coach caseload is for coaches and approvers', () => {
  expect(canViewCoachHome(coach)).toBe(true);
  expect(canViewCoachHome(approver)).toBe(true);
  expect(canViewCoachHome(teacher)).toBe(false);
});

test('the facilitator home is for people holding the facilitator role', () => {
  expect(canViewFacilitatorHome(actorFor(['facilitator'], { tenantId: staff.tenantId }))).toBe(true);
  expect(canViewFacilitatorHome(teacher)).toBe(false);
  expect(canViewFacilitatorHome(coach)).toBe(false);
});

test('the PD staff console and audit log are for PD staff only', () => {
  expect(canViewStaffConsole(staff)).toBe(true);
  expect(canViewStaffConsole(coach)).toBe(false);
  expect(canViewAuditLog(staff)).toBe(true);
  expect(canViewAuditLog(approver)).toBe(false);
});

test('PD staff manage people of their own tenant only', () => {
  expect(canManagePeople(staff, { tenantId: staff.tenantId })).toBe(true);
  expect(canManagePeople(staff, { tenantId: new Types.ObjectId() })).toBe(false);
  expect(canManagePeople(coach, { tenantId: staff.tenantId })).toBe(false);
});

test('a notice is dismissed only by the person it is for', () => {
  const notice = { tenantId: teacher.tenantId, userId: teacher.userId };
  expect(canDismissNotice(teacher, notice)).toBe(true);
  expect(canDismissNotice(staff, notice)).toBe(false);
  expect(canDismissNotice({ ...teacher, tenantId: new Types.ObjectId() }, notice)).toBe(false);
});
