import { Types } from 'mongoose';
import {
  canConfigureSource,
  canImportCompletions,
  canManageMappings,
  canOpenCompletionSync,
  canReadLedger,
  canReplayEvent,
  canSeeOwnSyncHistory,
} from '../../src/completions/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const teacher = actorFor([], { tenantId: staff.tenantId });
const coach = actorFor(['coach', 'approver'], { tenantId: staff.tenantId });
const here = { tenantId: staff.tenantId };
const elsewhere = { tenantId: new Types.ObjectId() };

const staffRules = { canConfigureSource, canReadLedger, canReplayEvent, canManageMappings, canImportCompletions };

test.each(Object.entries(staffRules))('%s: PD staff of the same tenant only', (_name, rule) => {
  expect(rule(staff, here)).toBe(true);
  expect(rule(staff, elsewhere)).toBe(false);
  expect(rule(teacher, here)).toBe(false);
  expect(rule(coach, here)).toBe(false);
});

test('the completion-sync console is in the navigation of PD staff only', () => {
  expect(canOpenCompletionSync(staff)).toBe(true);
  expect(canOpenCompletionSync(teacher)).toBe(false);
  expect(canOpenCompletionSync(coach)).toBe(false);
});

test('a teacher sees the sync history of their own completions, not a colleague’s or another tenant’s', () => {
  expect(canSeeOwnSyncHistory(teacher, { ...here, userId: teacher.userId })).toBe(true);
  expect(canSeeOwnSyncHistory(teacher, { ...here, userId: coach.userId })).toBe(false);
  expect(canSeeOwnSyncHistory(teacher, { ...here, userId: undefined })).toBe(false);
  expect(canSeeOwnSyncHistory(teacher, { ...elsewhere, userId: teacher.userId })).toBe(false);
});
