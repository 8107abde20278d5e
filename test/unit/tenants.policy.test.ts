import { Types } from 'mongoose';
import { canEditPolicy, isOwnTenant } from '../../src/tenants/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const own = { _id: staff.tenantId };
const other = { _id: new Types.ObjectId() };

test('the tenant an actor launched from is theirs, no other', () => {
  expect(isOwnTenant(staff, own)).toBe(true);
  expect(isOwnTenant(staff, other)).toBe(false);
});

test('only PD staff of the tenant edit its district policy', () => {
  expect(canEditPolicy(staff, own)).toBe(true);
  expect(canEditPolicy(staff, other)).toBe(false);
  expect(canEditPolicy(actorFor(['approver', 'coach'], { tenantId: staff.tenantId }), own)).toBe(false);
  expect(canEditPolicy(actorFor([], { tenantId: staff.tenantId }), own)).toBe(false);
});
