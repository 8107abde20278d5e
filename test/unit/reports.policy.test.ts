import { Types } from 'mongoose';
import { canViewApprovalOverview, canViewReports, mayViewCourseParticipantsProgress, seesWholeDistrict, shouldAskForCourseAccess } from '../../src/reports/policy';
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

describe('a course’s participants’ progress', () => {
  const course = { tenantId: staff.tenantId, contextId: 'course-7' };
  const inCourse = (instructor: boolean) => ({ id: 'course-7', title: 'PD 101', label: 'PD', instructor });
  const allowing = { ...staff.policy, instructorsSeeCourseProgress: true };
  const instructor = (policy = allowing, extra: Parameters<typeof actorFor>[1] = {}) => actorFor([], { tenantId: staff.tenantId, context: inCourse(true), policy, ...extra });

  test('an Instructor of the launching course reads it while the district allows it', () => {
    expect(mayViewCourseParticipantsProgress(instructor(), course)).toBe(true);
    expect(shouldAskForCourseAccess(instructor())).toBe(false);
  });

  test('with the district setting off (the default) an instructor is refused and told how to get access', () => {
    const closed = instructor(staff.policy);
    expect(staff.policy.instructorsSeeCourseProgress).toBe(false);
    expect(mayViewCourseParticipantsProgress(closed, course)).toBe(false);
    expect(shouldAskForCourseAccess(closed)).toBe(true);
  });

  test('a Learner of the course is refused whatever the setting, and is not told to ask', () => {
    const learner = actorFor([], { tenantId: staff.tenantId, context: inCourse(false), policy: allowing });
    expect(mayViewCourseParticipantsProgress(learner, course)).toBe(false);
    expect(shouldAskForCourseAccess(learner)).toBe(false);
  });

  test('only the course the actor launched from, in the actor’s own tenant', () => {
    expect(mayViewCourseParticipantsProgress(instructor(), { ...course, contextId: 'course-8' })).toBe(false);
    expect(mayViewCourseParticipantsProgress(instructor(), { ...course, tenantId: new Types.ObjectId() })).toBe(false);
    expect(mayViewCourseParticipantsProgress(instructor(allowing, { context: undefined }), course)).toBe(false);
  });

  test('PD staff launched from the course read it with the setting off', () => {
    const lead = actorFor(['pdStaff'], { tenantId: staff.tenantId, context: inCourse(true) });
    expect(mayViewCourseParticipantsProgress(lead, course)).toBe(true);
    expect(shouldAskForCourseAccess(lead)).toBe(false);
    expect(mayViewCourseParticipantsProgress(staff, course)).toBe(false);
  });
});
