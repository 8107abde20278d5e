import { Types } from 'mongoose';
import { canCreateGroup, canManageGroup } from '../../src/groups/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const ours = { tenantId: staff.tenantId };
const theirs = { tenantId: new Types.ObjectId() };

test('only PD staff of the same tenant manage and create schools and groups', () => {
  expect(canManageGroup(staff, ours)).toBe(true);
  expect(canManageGroup(staff, theirs)).toBe(false);
  expect(canManageGroup(actorFor([], { tenantId: staff.tenantId }), ours)).toBe(false);
  expect(canManageGroup(actorFor(['coach', 'approver'], { tenantId: staff.tenantId }), ours)).toBe(false);
  expect(canCreateGroup(staff)).toBe(true);
  expect(canCreateGroup(actorFor(['approver']))).toBe(false);
});
