import { Types } from 'mongoose';
import { canChooseBadgeSharing, canDownloadBadge, canManageAchievements, canManageIssuer, canRevokeCredential, canViewBadgeWall, canViewRecipients } from '../../src/credentials/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const teacher = actorFor([], { tenantId: staff.tenantId });
const coach = actorFor(['coach', 'approver'], { tenantId: staff.tenantId });
const ours = { tenantId: staff.tenantId };
const theirs = { tenantId: new Types.ObjectId() };

test('PD staff of the same tenant manage achievements, see recipients and manage the issuer; nobody else does', () => {
  for (const rule of [canManageAchievements, canViewRecipients, canManageIssuer]) {
    expect(rule(staff, ours)).toBe(true);
    expect(rule(staff, theirs)).toBe(false);
    expect(rule(teacher, ours)).toBe(false);
    expect(rule(coach, ours)).toBe(false);
  }
});

test('a badge is revoked by PD staff of its tenant, and only once', () => {
  expect(canRevokeCredential(staff, { ...ours })).toBe(true);
  expect(canRevokeCredential(staff, { ...ours, revokedAt: new Date() })).toBe(false);
  expect(canRevokeCredential(staff, { ...theirs })).toBe(false);
  expect(canRevokeCredential(teacher, { ...ours })).toBe(false);
});

test('a badge wall is only its owner’s', () => {
  expect(canViewBadgeWall(teacher, { ...ours, userId: teacher.userId })).toBe(true);
  expect(canViewBadgeWall(staff, { ...ours, userId: teacher.userId })).toBe(false);
  expect(canViewBadgeWall(actorFor([], { userId: teacher.userId }), { ...ours, userId: teacher.userId })).toBe(false);
});

test('only the holder chooses how their badge is shared, PD staff included', () => {
  const badge = { ...ours, userId: teacher.userId };
  expect(canChooseBadgeSharing(teacher, badge)).toBe(true);
  expect(canChooseBadgeSharing(staff, badge)).toBe(false);
  expect(canChooseBadgeSharing(actorFor([], { userId: teacher.userId }), badge)).toBe(false);
});

test('only the holder downloads the signed credential as a file: not PD staff, not the same user id in another tenant', () => {
  const badge = { ...ours, userId: teacher.userId };
  expect(canDownloadBadge(teacher, badge)).toBe(true);
  expect(canDownloadBadge(staff, badge)).toBe(false);
  expect(canDownloadBadge(coach, badge)).toBe(false);
  expect(canDownloadBadge(actorFor([], { userId: teacher.userId }), badge)).toBe(false);
});
