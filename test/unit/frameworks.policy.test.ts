import { Types } from 'mongoose';
import { canCreateFramework, canManageFramework, canReadFramework } from '../../src/frameworks/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const teacher = actorFor([], { tenantId: staff.tenantId });
const ours = { tenantId: staff.tenantId };
const theirs = { tenantId: new Types.ObjectId() };

test('every launched user reads their own tenant’s frameworks, never another tenant’s', () => {
  expect(canReadFramework(teacher, ours)).toBe(true);
  expect(canReadFramework(staff, ours)).toBe(true);
  expect(canReadFramework(teacher, theirs)).toBe(false);
});

test('only PD staff of the same tenant manage and create frameworks', () => {
  expect(canManageFramework(staff, ours)).toBe(true);
  expect(canManageFramework(staff, theirs)).toBe(false);
  expect(canManageFramework(teacher, ours)).toBe(false);
  expect(canManageFramework(actorFor(['coach', 'approver'], { tenantId: staff.tenantId }), ours)).toBe(false);
  expect(canCreateFramework(staff)).toBe(true);
  expect(canCreateFramework(teacher)).toBe(false);
});
