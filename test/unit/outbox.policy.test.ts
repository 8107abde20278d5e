import { Types } from 'mongoose';
import { canRetryMessage, canViewOutbox } from '../../src/outbox/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const teacher = actorFor([], { tenantId: staff.tenantId });
const ours = { tenantId: staff.tenantId };
const theirs = { tenantId: new Types.ObjectId() };

test('only PD staff of the same tenant see the delivery queue', () => {
  expect(canViewOutbox(staff, ours)).toBe(true);
  expect(canViewOutbox(staff, theirs)).toBe(false);
  expect(canViewOutbox(teacher, ours)).toBe(false);
  expect(canViewOutbox(actorFor(['coach', 'approver'], ours), ours)).toBe(false);
});

test('PD staff retry only their own tenant’s dead letters', () => {
  expect(canRetryMessage(staff, { ...ours, status: 'dead' })).toBe(true);
  expect(canRetryMessage(staff, { ...ours, status: 'pending' })).toBe(false);
  expect(canRetryMessage(staff, { ...ours, status: 'done' })).toBe(false);
  expect(canRetryMessage(staff, { ...theirs, status: 'dead' })).toBe(false);
  expect(canRetryMessage(teacher, { ...ours, status: 'dead' })).toBe(false);
});
