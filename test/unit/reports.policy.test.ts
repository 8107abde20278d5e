import { Types } from 'mongoose';
import { canViewApprovalOverview, canViewReports, seesWholeDistrict } from '../../src/reports/policy';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const district = { tenantId: staff.tenantId };
const other = { tenantId: new Types.ObjectId() };
const approver = actorFor(['approver'], { tenantId: staff.tenantId });
const coach = actorFor(['coach'], { tenantId: staff.tenantId });

test('reports are for PD staff of the tenant only', () => {
  expect(canViewReports(staff, district)).toBe(true);
  expect(canViewReports(staff, other)).toBe(false);
  expect(canViewReports(approver, district)).toBe(false);
  expect(canViewReports(coach, district)).toBe(false);
  expect(canViewReports(actorFor([], { tenantId: staff.tenantId }), district)).toBe(false);
});

test('the approval overview: PD staff see the whole district, granted approvers their own schools while the policy lets approvers approve', () => {
  expect(canViewApprovalOverview(staff, district)).toBe(true);
  expect(seesWholeDistrict(staff, district)).toBe(true);
  expect(canViewApprovalOverview(approver, district)).toBe(true);
  expect(seesWholeDistrict(approver, district)).toBe(false);
  expect(canViewApprovalOverview(approver, other)).toBe(false);
  expect(canViewApprovalOverview(coach, district)).toBe(false);
  const pdStaffOnly = actorFor(['approver'], { tenantId: staff.tenantId, policy: { ...approver.policy, approvers: 'pd-staff' } });
  expect(canViewApprovalOverview(pdStaffOnly, district)).toBe(false);
  expect(seesWholeDistrict(staff, other)).toBe(false);
});
