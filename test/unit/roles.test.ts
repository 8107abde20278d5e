import { effectiveRoles, homePath, isInstructorRole, learnsInCourse, rolesFromLaunch, teachesCourse } from '../../src/lti/message/roles';

const M = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const I = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';
const S = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#';

test('every launch is a teacher with a plan; Mentors coach; institution and system administrators are PD staff', () => {
  expect(rolesFromLaunch([`${M}Learner`])).toEqual(['teacher']);
  expect(rolesFromLaunch([`${M}Instructor`])).toEqual(['teacher']);
  expect(rolesFromLaunch([`${M}Mentor`])).toEqual(['teacher', 'coach']);
  expect(rolesFromLaunch([`${I}Mentor`])).toEqual(['teacher', 'coach']);
  expect(rolesFromLaunch([`${I}Administrator`])).toEqual(['teacher', 'pdStaff']);
  expect(rolesFromLaunch([`${S}Administrator`])).toEqual(['teacher', 'pdStaff']);
  // A course-level Administrator is not district PD staff.
  expect(rolesFromLaunch([`${M}Administrator`])).toEqual(['teacher']);
});

test('short role names, as Moodle sends in NRPS, are read as context roles', () => {
  expect(rolesFromLaunch(['Mentor'])).toEqual(['teacher', 'coach']);
  expect(isInstructorRole(['Instructor'])).toBe(true);
  expect(isInstructorRole(['Learner'])).toBe(false);
});

test('in-app grants add to launch roles, and each role lands on its own home', () => {
  const roles = effectiveRoles([`${M}Learner`], ['approver']);
  expect([...roles]).toEqual(['teacher', 'approver']);
  expect(homePath(roles)).toBe('/coach');
  expect(homePath(effectiveRoles([`${I}Administrator`], []))).toBe('/staff');
  expect(homePath(effectiveRoles([`${M}Learner`], []))).toBe('/dashboard');
  expect(homePath(effectiveRoles([`${M}Learner`], ['facilitator']))).toBe('/facilitator');
  expect(homePath(effectiveRoles([`${M}Learner`], ['facilitator', 'approver']))).toBe('/coach');
});

test('course Instructors and Learners are context roles only: not institution Instructors, Students or administrators', () => {
  expect(teachesCourse([`${M}Instructor`, `${I}Instructor`])).toBe(true);
  expect(teachesCourse(['Instructor'])).toBe(true);
  expect(teachesCourse([`${I}Instructor`, `${M}Learner`])).toBe(false);
  expect(teachesCourse([`${I}Administrator`])).toBe(false);
  expect(learnsInCourse(['Learner'])).toBe(true);
  expect(learnsInCourse([`${I}Student`, `${M}Instructor`])).toBe(false);
});
