import { Types } from 'mongoose';
import { canPlaceLinks, canResyncPlacement, canViewPlacements } from '../../src/placements/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const teacher = actorFor([], { tenantId: staff.tenantId });
const ours = { tenantId: staff.tenantId };
const theirs = { tenantId: new Types.ObjectId() };
const graded = { lineItem: { label: 'PD plan progress' } };

test('PD staff of the same tenant see placed links', () => {
  expect(canViewPlacements(staff, ours)).toBe(true);
  expect(canViewPlacements(staff, theirs)).toBe(false);
  expect(canViewPlacements(teacher, ours)).toBe(false);
});

test('re-sending scores: PD staff of the tenant, only for a placement with a gradebook column', () => {
  expect(canResyncPlacement(staff, { ...ours, ...graded })).toBe(true);
  expect(canResyncPlacement(staff, { ...ours })).toBe(false);
  expect(canResyncPlacement(staff, { ...theirs, ...graded })).toBe(false);
  expect(canResyncPlacement(teacher, { ...ours, ...graded })).toBe(false);
});

test('instructors of the course and PD staff place links; learners do not', () => {
  expect(canPlaceLinks(teacher, true)).toBe(true);
  expect(canPlaceLinks(staff, false)).toBe(true);
  expect(canPlaceLinks(teacher, false)).toBe(false);
});
