import { Types } from 'mongoose';
import { canAssignPathway, canCreatePathway, canManagePathway, canRunAssignment, canSelfEnrol, canViewPathway } from '../../src/pathways/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const teacher = actorFor([], { tenantId: staff.tenantId });
const approver = actorFor(['approver', 'coach'], { tenantId: staff.tenantId });
const pathway = (status: string, extra: { selfEnrol?: boolean; tenantId?: Types.ObjectId } = {}) => ({ tenantId: staff.tenantId, status, ...extra });
const elsewhere = { tenantId: new Types.ObjectId() };

test('only PD staff of the same tenant create, edit and manage pathways', () => {
  expect(canCreatePathway(staff)).toBe(true);
  expect(canCreatePathway(teacher)).toBe(false);
  expect(canCreatePathway(approver)).toBe(false);
  expect(canManagePathway(staff, pathway('draft'))).toBe(true);
  expect(canManagePathway(staff, pathway('draft', elsewhere))).toBe(false);
  expect(canManagePathway(teacher, pathway('published'))).toBe(false);
});

test('drafts are read by PD staff only; published versions by the whole tenant; older versions by the people on them', () => {
  expect(canViewPathway(staff, pathway('draft'))).toBe(true);
  expect(canViewPathway(teacher, pathway('draft'))).toBe(false);
  expect(canViewPathway(teacher, pathway('published'))).toBe(true);
  expect(canViewPathway(teacher, pathway('published', elsewhere))).toBe(false);
  expect(canViewPathway(teacher, pathway('superseded'))).toBe(false);
  expect(canViewPathway(teacher, pathway('superseded'), { userId: teacher.userId })).toBe(true);
  expect(canViewPathway(teacher, pathway('superseded'), { userId: staff.userId })).toBe(false);
});

test('teachers enrol themselves only in published pathways of their own tenant that are open for self-enrolment or placed in their course', () => {
  expect(canSelfEnrol(teacher, pathway('published', { selfEnrol: true }))).toBe(true);
  expect(canSelfEnrol(teacher, pathway('published', { selfEnrol: false }))).toBe(false);
  expect(canSelfEnrol(teacher, pathway('draft', { selfEnrol: true }))).toBe(false);
  expect(canSelfEnrol(teacher, pathway('archived', { selfEnrol: true }))).toBe(false);
  expect(canSelfEnrol(teacher, pathway('published', { selfEnrol: true, ...elsewhere }))).toBe(false);
  expect(canSelfEnrol(teacher, pathway('published', { selfEnrol: false }), true)).toBe(true);
  expect(canSelfEnrol(teacher, pathway('draft', { selfEnrol: false }), true)).toBe(false);
  expect(canSelfEnrol(teacher, pathway('published', { selfEnrol: false, ...elsewhere }), true)).toBe(false);
});

test('PD staff assign only the published version, and run only their own tenant’s assignment batches', () => {
  expect(canAssignPathway(staff, pathway('published'))).toBe(true);
  expect(canAssignPathway(staff, pathway('draft'))).toBe(false);
  expect(canAssignPathway(staff, pathway('archived'))).toBe(false);
  expect(canAssignPathway(teacher, pathway('published'))).toBe(false);
  expect(canRunAssignment(staff, { tenantId: staff.tenantId })).toBe(true);
  expect(canRunAssignment(staff, elsewhere)).toBe(false);
  expect(canRunAssignment(approver, { tenantId: staff.tenantId })).toBe(false);
});
