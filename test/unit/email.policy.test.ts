import { Types } from 'mongoose';
import { canChooseEmails, canEditEmailSettings, getsApproverEmails } from '../../src/email/policy';
import { actorFor } from '../support/actors';

const teacher = actorFor(['teacher']);

test('a person changes their own email choices, nobody else’s, in their own tenant only', () => {
  expect(canChooseEmails(teacher, { tenantId: teacher.tenantId, userId: teacher.userId })).toBe(true);
  expect(canChooseEmails(teacher, { tenantId: teacher.tenantId, userId: new Types.ObjectId() })).toBe(false);
  expect(canChooseEmails(teacher, { tenantId: new Types.ObjectId(), userId: teacher.userId })).toBe(false);
  const staff = actorFor(['pdStaff'], { tenantId: teacher.tenantId });
  expect(canChooseEmails(staff, { tenantId: teacher.tenantId, userId: teacher.userId })).toBe(false);
});

test('only PD staff of the district change its email settings', () => {
  const staff = actorFor(['pdStaff']);
  expect(canEditEmailSettings(staff, { _id: staff.tenantId })).toBe(true);
  expect(canEditEmailSettings(staff, { _id: new Types.ObjectId() })).toBe(false);
  expect(canEditEmailSettings(actorFor(['approver', 'coach'], { tenantId: staff.tenantId }), { _id: staff.tenantId })).toBe(false);
});

test('approvers and PD staff are offered the approvers’ emails; teachers and coaches are not', () => {
  expect(getsApproverEmails(actorFor(['approver']))).toBe(true);
  expect(getsApproverEmails(actorFor(['pdStaff']))).toBe(true);
  expect(getsApproverEmails(actorFor(['teacher', 'coach']))).toBe(false);
});
