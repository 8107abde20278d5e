import { effectiveRoles, homePath, isInstructorRole, rolesFromLaunch } from '../../src/lti/roles';

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
});
