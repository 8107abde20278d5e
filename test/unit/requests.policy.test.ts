import { Types } from 'mongoose';
import { canClaimReimbursement, canDecideStep, canManageOutsidePd, canOpenRequestFiles, canReadRequest, canRequestOutsidePd, canResubmit, canUploadProof } from '../../src/requests/policy';
import { DEFAULT_CHAIN } from '../../src/requests/rules';
import { actorFor } from '../support/actors';

const staff = actorFor(['pdStaff']);
const teacher = actorFor([], { tenantId: staff.tenantId });
const principal = actorFor(['approver'], { tenantId: staff.tenantId });
const request = (over: Partial<{ userId: Types.ObjectId; status: string; stepIndex: number; tenantId: Types.ObjectId; committed: number; reimbursement: { status: string } }> = {}) => ({
  tenantId: staff.tenantId, userId: teacher.userId, status: 'in-approval', steps: [...DEFAULT_CHAIN], stepIndex: 0, committed: 600, reimbursement: { status: 'none' }, ...over,
});

test('everyone may request; only PD staff manage chains, budgets, proof and claims', () => {
  expect(canRequestOutsidePd(teacher)).toBe(true);
  expect(canManageOutsidePd(staff)).toBe(true);
  expect(canManageOutsidePd(principal)).toBe(false);
  expect(canManageOutsidePd(teacher)).toBe(false);
});

test('the principal step is decided by an approver who answers for the teacher, or PD staff; the PD office step by PD staff; never by the teacher', () => {
  expect(canDecideStep(principal, request())).toBe(true);
  expect(canDecideStep(actorFor(['approver'], { tenantId: staff.tenantId, approverScope: new Set(['someone-else']) }), request())).toBe(false);
  expect(canDecideStep(actorFor(['approver'], { tenantId: staff.tenantId, policy: { ...principal.policy, approvers: 'pd-staff' } }), request())).toBe(false);
  expect(canDecideStep(staff, request())).toBe(true);
  expect(canDecideStep(principal, request({ stepIndex: 1 }))).toBe(false);
  expect(canDecideStep(staff, request({ stepIndex: 1 }))).toBe(true);
  expect(canDecideStep(teacher, request())).toBe(false);
  expect(canDecideStep(actorFor(['pdStaff', 'approver'], { tenantId: staff.tenantId, userId: teacher.userId }), request())).toBe(false);
  expect(canDecideStep(staff, request({ status: 'approved' }))).toBe(false);
  expect(canDecideStep(staff, request({ tenantId: new Types.ObjectId() }))).toBe(false);
});

test('a request is read by its teacher, PD staff and the teacher’s approvers; files only by the teacher and PD staff', () => {
  expect(canReadRequest(teacher, request())).toBe(true);
  expect(canReadRequest(actorFor([], { tenantId: staff.tenantId }), request())).toBe(false);
  expect(canReadRequest(principal, request())).toBe(true);
  expect(canReadRequest(staff, request({ tenantId: new Types.ObjectId() }))).toBe(false);
  expect(canOpenRequestFiles(teacher, request())).toBe(true);
  expect(canOpenRequestFiles(staff, request())).toBe(true);
  expect(canOpenRequestFiles(principal, request())).toBe(false);
});

test('the teacher resubmits when returned, sends proof when approved, and claims once for money committed', () => {
  expect(canResubmit(teacher, request({ status: 'returned' }))).toBe(true);
  expect(canResubmit(teacher, request())).toBe(false);
  expect(canResubmit(staff, request({ status: 'returned' }))).toBe(false);
  expect(canUploadProof(teacher, request({ status: 'approved' }))).toBe(true);
  expect(canUploadProof(teacher, request({ status: 'verified' }))).toBe(false);
  expect(canClaimReimbursement(teacher, request({ status: 'verified' }))).toBe(true);
  expect(canClaimReimbursement(teacher, request({ status: 'verified', committed: 0 }))).toBe(false);
  expect(canClaimReimbursement(teacher, request({ status: 'verified', reimbursement: { status: 'claimed' } }))).toBe(false);
  expect(canClaimReimbursement(teacher, request({ status: 'in-approval' }))).toBe(false);
  expect(canClaimReimbursement(staff, request({ status: 'verified' }))).toBe(false);
});
