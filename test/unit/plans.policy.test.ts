import { Types } from 'mongoose';
import {
  canChangePlan,
  canDecideChange,
  canDecidePlan,
  canProposeChange,
  canDownloadEvidence,
  canEditPlan,
  canJoinGroupGoal,
  canManageOwnRecord,
  canReadPlan,
  canReadFeedback,
  canReadReflection,
  canRecordProgress,
  canRenewPlan,
  canReviewPlan,
  canShareReflection,
  canStartPlan,
  canSubmitPlan,
  canTickCoachingStep,
  canVerifyEvidence,
  canViewApprovalQueue,
  canViewCaseload,
  canViewGroupGoal,
  canWriteFeedback,
} from '../../src/plans/policy';
import { actorFor } from '../support/actors';

const teacher = actorFor();
const tenantId = teacher.tenantId;
const coach = actorFor(['coach'], { tenantId });
const otherCoach = actorFor(['coach'], { tenantId });
const colleague = actorFor([], { tenantId });
const approver = actorFor(['approver'], { tenantId });
const staff = actorFor(['pdStaff'], { tenantId });
const foreignStaff = actorFor(['pdStaff', 'approver', 'coach']);
const teacherDoc = { tenantId, _id: teacher.userId, coachIds: [coach.userId, foreignStaff.userId] };
const plan = (status: string) => ({ tenantId, userId: teacher.userId, status });
const privateReflection = { shared: false };
const sharedReflection = { shared: true };

test('a teacher starts, edits and submits only their own plan, and only while draft or returned', () => {
  expect(canStartPlan(teacher, teacherDoc)).toBe(true);
  expect(canStartPlan(coach, teacherDoc)).toBe(false);
  for (const s of ['draft', 'returned']) {
    expect(canEditPlan(teacher, plan(s))).toBe(true);
    expect(canSubmitPlan(teacher, plan(s))).toBe(true);
  }
  for (const s of ['submitted', 'active', 'in-review', 'completed', 'closed']) expect(canEditPlan(teacher, plan(s))).toBe(false);
  expect(canEditPlan(coach, plan('draft'))).toBe(false);
  expect(canEditPlan(staff, plan('draft'))).toBe(false);
});

test('progress, evidence and reflections are recorded by the teacher while the plan is active or in review', () => {
  expect(canRecordProgress(teacher, plan('active'))).toBe(true);
  expect(canRecordProgress(teacher, plan('in-review'))).toBe(true);
  expect(canRecordProgress(teacher, plan('draft'))).toBe(false);
  expect(canRecordProgress(coach, plan('active'))).toBe(false);
});

test('a plan is read by its teacher, their coach, approvers and PD staff — not colleagues or other coaches', () => {
  expect(canReadPlan(teacher, plan('active'), teacherDoc)).toBe(true);
  expect(canReadPlan(coach, plan('active'), teacherDoc)).toBe(true);
  expect(canReadPlan(approver, plan('active'), teacherDoc)).toBe(true);
  expect(canReadPlan(staff, plan('active'), teacherDoc)).toBe(true);
  expect(canReadPlan(otherCoach, plan('active'), teacherDoc)).toBe(false);
  expect(canReadPlan(colleague, plan('active'), teacherDoc)).toBe(false);
});

test('approvers (or PD staff) approve submitted plans of others; the tenant rule decides who approves', () => {
  expect(canDecidePlan(approver, plan('submitted'))).toBe(true);
  expect(canDecidePlan(staff, plan('submitted'))).toBe(true);
  expect(canDecidePlan(approver, plan('draft'))).toBe(false);
  expect(canDecidePlan(coach, plan('submitted'))).toBe(false);
  const selfApprover = actorFor(['approver'], { tenantId, userId: teacher.userId });
  expect(canDecidePlan(selfApprover, plan('submitted'))).toBe(false);
  const staffOnly = { ...approver.policy, approvers: 'pd-staff' as const };
  expect(canDecidePlan({ ...approver, policy: staffOnly }, plan('submitted'))).toBe(false);
  expect(canDecidePlan({ ...staff, policy: staffOnly }, plan('submitted'))).toBe(true);
  expect(canViewApprovalQueue(approver)).toBe(true);
  expect(canViewApprovalQueue(coach)).toBe(false);
});

test('a granted approver answers for the members of their schools and groups only; PD staff for the whole district', () => {
  const principal = actorFor(['approver'], { tenantId, approverScope: new Set([String(teacher.userId)]) });
  const elsewhere = actorFor(['approver'], { tenantId, approverScope: new Set([String(colleague.userId)]) });
  expect(canDecidePlan(principal, plan('submitted'))).toBe(true);
  expect(canReadPlan(principal, plan('active'), teacherDoc)).toBe(true);
  expect(canDecidePlan(elsewhere, plan('submitted'))).toBe(false);
  expect(canVerifyEvidence(elsewhere, plan('active'))).toBe(false);
  expect(canReadPlan(elsewhere, plan('active'), teacherDoc)).toBe(false);
  expect(canDownloadEvidence(elsewhere, plan('active'), teacherDoc)).toBe(false);
  expect(canDecidePlan({ ...staff, approverScope: new Set() }, plan('submitted'))).toBe(true);
});

test('evidence is verified by approvers and downloaded by the teacher, their coach and approvers only', () => {
  expect(canVerifyEvidence(approver, plan('active'))).toBe(true);
  expect(canVerifyEvidence(teacher, plan('active'))).toBe(false);
  expect(canVerifyEvidence(coach, plan('active'))).toBe(false);
  expect(canDownloadEvidence(teacher, plan('active'), teacherDoc)).toBe(true);
  expect(canDownloadEvidence(coach, plan('active'), teacherDoc)).toBe(true);
  expect(canDownloadEvidence(approver, plan('active'), teacherDoc)).toBe(true);
  expect(canDownloadEvidence(colleague, plan('active'), teacherDoc)).toBe(false);
  expect(canDownloadEvidence(otherCoach, plan('active'), teacherDoc)).toBe(false);
});

test('PD staff never see private reflections; they see the ones the teacher shared', () => {
  expect(canReadReflection(staff, plan('active'), teacherDoc, privateReflection)).toBe(false);
  expect(canReadReflection(approver, plan('active'), teacherDoc, privateReflection)).toBe(false);
  expect(canReadReflection(staff, plan('active'), teacherDoc, sharedReflection)).toBe(true);
  expect(canReadReflection(teacher, plan('active'), teacherDoc, privateReflection)).toBe(true);
  expect(canReadReflection(coach, plan('active'), teacherDoc, privateReflection)).toBe(true);
  expect(canReadReflection(otherCoach, plan('active'), teacherDoc, sharedReflection)).toBe(false);
  expect(canShareReflection(teacher, plan('active'))).toBe(true);
  expect(canShareReflection(coach, plan('active'))).toBe(false);
});

test('coaching: the teacher\'s coach writes feedback and ticks cycle steps; the teacher replies', () => {
  expect(canWriteFeedback(coach, plan('active'), teacherDoc)).toBe(true);
  expect(canWriteFeedback(teacher, plan('active'), teacherDoc)).toBe(true);
  expect(canWriteFeedback(otherCoach, plan('active'), teacherDoc)).toBe(false);
  expect(canWriteFeedback(staff, plan('active'), teacherDoc)).toBe(false);
  expect(canTickCoachingStep(coach, plan('active'), teacherDoc)).toBe(true);
  expect(canTickCoachingStep(coach, plan('draft'), teacherDoc)).toBe(false);
  expect(canTickCoachingStep(teacher, plan('active'), teacherDoc)).toBe(false);
  expect(canViewCaseload(coach)).toBe(true);
  expect(canViewCaseload(teacher)).toBe(false);
});

test('the coaching conversation is read by the teacher and their coach only, never PD staff, approvers or another tenant', () => {
  expect(canReadFeedback(teacher, plan('active'), teacherDoc)).toBe(true);
  expect(canReadFeedback(coach, plan('closed'), teacherDoc)).toBe(true);
  expect(canReadFeedback(staff, plan('active'), teacherDoc)).toBe(false);
  expect(canReadFeedback(approver, plan('submitted'), teacherDoc)).toBe(false);
  expect(canReadFeedback(otherCoach, plan('active'), teacherDoc)).toBe(false);
  expect(canReadFeedback(colleague, plan('active'), teacherDoc)).toBe(false);
  expect(canReadFeedback(foreignStaff, { ...plan('active'), tenantId: foreignStaff.tenantId }, teacherDoc)).toBe(false);
});

test('reviews, renewal, export and deletion belong to the teacher', () => {
  expect(canReviewPlan(teacher, plan('active'))).toBe(true);
  expect(canReviewPlan(teacher, plan('draft'))).toBe(false);
  expect(canRenewPlan(teacher, plan('in-review'))).toBe(true);
  expect(canRenewPlan(coach, plan('in-review'))).toBe(false);
  expect(canManageOwnRecord(teacher, teacherDoc)).toBe(true);
  expect(canManageOwnRecord(staff, teacherDoc)).toBe(false);
});

test('team goals are seen and joined by the colleagues they were shared with', () => {
  const group = { tenantId, invitedIds: [teacher.userId, colleague.userId], memberIds: [teacher.userId] };
  expect(canViewGroupGoal(colleague, group)).toBe(true);
  expect(canJoinGroupGoal(colleague, group)).toBe(true);
  expect(canJoinGroupGoal(teacher, group)).toBe(false);
  expect(canViewGroupGoal(otherCoach, group)).toBe(false);
});

test('nobody sees or acts on another tenant\'s plans, whatever their roles or listed ids', () => {
  const foreignPlan = { tenantId, userId: teacher.userId, status: 'submitted' };
  expect(canReadPlan(foreignStaff, foreignPlan, teacherDoc)).toBe(false);
  expect(canDecidePlan(foreignStaff, foreignPlan)).toBe(false);
  expect(canVerifyEvidence(foreignStaff, foreignPlan)).toBe(false);
  expect(canDownloadEvidence(foreignStaff, foreignPlan, teacherDoc)).toBe(false);
  expect(canReadReflection(foreignStaff, foreignPlan, teacherDoc, sharedReflection)).toBe(false);
  expect(canWriteFeedback(foreignStaff, foreignPlan, teacherDoc)).toBe(false);
  const sameIdElsewhere = actorFor([], { userId: teacher.userId });
  expect(canEditPlan(sameIdElsewhere, { ...foreignPlan, status: 'draft' })).toBe(false);
  expect(canViewGroupGoal(sameIdElsewhere, { tenantId, invitedIds: [teacher.userId] })).toBe(false);
  expect(canManageOwnRecord(sameIdElsewhere, { tenantId, _id: new Types.ObjectId(teacher.userId) })).toBe(false);
});

test('an approved plan changes only through a proposal: the teacher proposes, another approver of the tenant decides', () => {
  const running = (changeStatus?: string) => ({ ...plan('active'), change: changeStatus ? { status: changeStatus, changes: [{}] } : undefined });
  expect(canProposeChange(teacher, running())).toBe(true);
  expect(canProposeChange(teacher, running('open'))).toBe(true);
  expect(canProposeChange(teacher, running('submitted'))).toBe(false); // waits for the approver
  expect(canProposeChange(teacher, plan('submitted'))).toBe(false);
  expect(canProposeChange(colleague, running())).toBe(false);
  expect(canProposeChange(foreignStaff, { ...running(), userId: foreignStaff.userId })).toBe(false); // their id on another tenant's plan
  expect(canChangePlan(teacher, plan('draft'))).toBe(true);
  expect(canChangePlan(teacher, running())).toBe(true);
  expect(canChangePlan(teacher, plan('in-review'))).toBe(false);
  expect(canDecideChange(approver, running('submitted'))).toBe(true);
  expect(canDecideChange(staff, running('submitted'))).toBe(true);
  expect(canDecideChange(approver, running('open'))).toBe(false);
  expect(canDecideChange(teacher, running('submitted'))).toBe(false);
  expect(canDecideChange(coach, running('submitted'))).toBe(false);
  expect(canDecideChange(foreignStaff, running('submitted'))).toBe(false);
  expect(canDecideChange(approver, { ...running('submitted'), userId: approver.userId })).toBe(false); // not their own
});
