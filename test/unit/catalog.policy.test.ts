import { Types } from 'mongoose';
import { canCreateActivity, canManageActivity, canViewActivity } from '../../src/catalog/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const teacher = actorFor([], { tenantId: staff.tenantId });
const coach = actorFor(['coach'], { tenantId: staff.tenantId });
const activity = { tenantId: staff.tenantId };
const elsewhere = { tenantId: new Types.ObjectId() };

test('teachers, coaches and PD staff browse their tenant’s catalog, not another tenant’s', () => {
  for (const a of [teacher, coach, staff]) expect(canViewActivity(a, activity)).toBe(true);
  expect(canViewActivity(staff, elsewhere)).toBe(false);
});

test('only PD staff of the same tenant add, edit and retire activities', () => {
  expect(canManageActivity(staff, activity)).toBe(true);
  expect(canManageActivity(staff, elsewhere)).toBe(false);
  expect(canManageActivity(teacher, activity)).toBe(false);
  expect(canManageActivity(coach, activity)).toBe(false);
  expect(canCreateActivity(staff)).toBe(true);
  expect(canCreateActivity(coach)).toBe(false);
});
