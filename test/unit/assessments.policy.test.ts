import { Types } from 'mongoose';
import {
  canReadAssessment,
  canReadAssessmentRatings,
  canReadObservation,
  canRecordObservation,
  canTakeAssessment,
} from '../../src/assessments/policy';
import { actorFor } from '../support/actors';

const teacher = actorFor();
const tenantId = teacher.tenantId;
const coach = actorFor(['coach'], { tenantId });
const otherCoach = actorFor(['coach'], { tenantId });
const colleague = actorFor([], { tenantId });
const staff = actorFor(['pdStaff'], { tenantId });
const teacherDoc = { tenantId, _id: teacher.userId, coachIds: [coach.userId] };
const assessment = { tenantId, userId: teacher.userId };
const observation = { tenantId, teacherId: teacher.userId };

test('a teacher takes only their own assessment', () => {
  expect(canTakeAssessment(teacher, teacherDoc)).toBe(true);
  expect(canTakeAssessment(colleague, teacherDoc)).toBe(false);
  expect(canTakeAssessment(coach, teacherDoc)).toBe(false);
});

test('an assessment is read by its teacher and their coaches, not by colleagues, other coaches or PD staff', () => {
  expect(canReadAssessment(teacher, assessment, teacherDoc)).toBe(true);
  expect(canReadAssessment(coach, assessment, teacherDoc)).toBe(true);
  expect(canReadAssessment(otherCoach, assessment, teacherDoc)).toBe(false);
  expect(canReadAssessment(colleague, assessment, teacherDoc)).toBe(false);
  expect(canReadAssessment(staff, assessment, teacherDoc)).toBe(false);
});

test('an assessment of someone else is never read through a teacher it does not belong to', () => {
  const someoneElses = { tenantId, userId: colleague.userId };
  expect(canReadAssessment(teacher, someoneElses, teacherDoc)).toBe(false);
});

test('PD staff read ratings (for reports) but not notes; colleagues read neither', () => {
  expect(canReadAssessmentRatings(staff, assessment, teacherDoc)).toBe(true);
  expect(canReadAssessmentRatings(coach, assessment, teacherDoc)).toBe(true);
  expect(canReadAssessmentRatings(colleague, assessment, teacherDoc)).toBe(false);
});

test('a coach records observations only for teachers in their caseload, never for themselves', () => {
  expect(canRecordObservation(coach, teacherDoc)).toBe(true);
  expect(canRecordObservation(otherCoach, teacherDoc)).toBe(false);
  expect(canRecordObservation(staff, teacherDoc)).toBe(false);
  expect(canRecordObservation(coach, { tenantId, _id: coach.userId, coachIds: [coach.userId] })).toBe(false);
});

test('an observation is read by the observed teacher and their coaches', () => {
  expect(canReadObservation(teacher, observation, teacherDoc)).toBe(true);
  expect(canReadObservation(coach, observation, teacherDoc)).toBe(true);
  expect(canReadObservation(colleague, observation, teacherDoc)).toBe(false);
  expect(canReadObservation(staff, observation, teacherDoc)).toBe(false);
});

test('nothing is visible across tenants, even to a coach whose id is listed', () => {
  const foreign = actorFor(['coach', 'pdStaff'], { userId: coach.userId });
  expect(canReadAssessment(foreign, assessment, teacherDoc)).toBe(false);
  expect(canReadAssessmentRatings(foreign, assessment, teacherDoc)).toBe(false);
  expect(canRecordObservation(foreign, teacherDoc)).toBe(false);
  expect(canReadObservation(foreign, observation, teacherDoc)).toBe(false);
  expect(canTakeAssessment(actorFor([], { userId: teacher.userId }), teacherDoc)).toBe(false);
  expect(canReadAssessment(teacher, { tenantId: new Types.ObjectId(), userId: teacher.userId }, teacherDoc)).toBe(false);
});
