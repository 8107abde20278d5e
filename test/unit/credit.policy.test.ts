import { Types } from 'mongoose';
import { canManageCredit, canManageKeptCredit, canViewStipendReport, canViewTranscript } from '../../src/credit/policy';
import { keepUntil } from '../../src/credit/service';
import { actorFor } from '../support/actors';

test.each([
  ['list and delete the credit it keeps', canManageKeptCredit],
  ['manage credit types, renewal rules and cycles', canManageCredit],
  ['see the stipend report and download it for payroll', canViewStipendReport],
])('only PD staff of the district %s', (_what, may) => {
  const staff = actorFor(['pdStaff']);
  expect(may(staff, { _id: staff.tenantId })).toBe(true);
  expect(may(staff, { _id: new Types.ObjectId() })).toBe(false);
  expect(may(actorFor(['approver', 'coach'], { tenantId: staff.tenantId }), { _id: staff.tenantId })).toBe(false);
});

test('completed credit is kept N years after completion, until PD staff delete it, or not at all', () => {
  const done = new Date('2024-02-29T10:00:00Z');
  expect(keepUntil(done, { creditRetention: 'years', creditRetentionYears: 7 })).toEqual(new Date('2031-03-01T10:00:00Z'));
  expect(keepUntil(done, { creditRetention: 'until-deleted', creditRetentionYears: 7 })).toBe('until-deleted');
  expect(keepUntil(done, { creditRetention: 'with-teacher', creditRetentionYears: 7 })).toBe('not-kept');
});

test('a transcript is read by its teacher and by PD staff of the same district, by nobody else', () => {
  const teacher = actorFor();
  const own = { tenantId: teacher.tenantId, _id: teacher.userId };
  expect(canViewTranscript(teacher, own)).toBe(true);
  expect(canViewTranscript(teacher, { tenantId: teacher.tenantId, _id: new Types.ObjectId() })).toBe(false);
  expect(canViewTranscript(actorFor(['coach', 'approver'], { tenantId: teacher.tenantId }), own)).toBe(false);
  expect(canViewTranscript(actorFor(['pdStaff'], { tenantId: teacher.tenantId }), own)).toBe(true);
  expect(canViewTranscript(actorFor(['pdStaff']), own)).toBe(false);
});
