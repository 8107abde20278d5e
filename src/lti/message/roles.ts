// LTI 1.3 role vocabularies: https://www.imsglobal.org/spec/lti/v1p3#role-vocabularies
import { Role, ROLES } from '../../kernel/actor';

const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const INSTITUTION = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';
const SYSTEM = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#';

/** Platforms (Moodle's NRPS, some launches) also send short names like "Mentor": treat them as context roles. */
export function roleUri(role: string): string {
  return role.includes('#') || role.includes('/') ? role : `${MEMBERSHIP}${role}`;
}

/** LTI roles that make someone a coach (also used to list coaches who have launched). */
export const COACH_ROLE_URIS = [`${MEMBERSHIP}Mentor`, `${INSTITUTION}Mentor`];
const COACH_ROLES = new Set(COACH_ROLE_URIS);
/** LTI roles that make someone district PD staff. */
export const PD_STAFF_ROLE_URIS = [`${INSTITUTION}Administrator`, `${SYSTEM}Administrator`];
const PD_STAFF_ROLES = new Set(PD_STAFF_ROLE_URIS);

/** Roles a launch grants: every launch owns a plan; Mentors coach; institution administrators are PD staff. */
export function rolesFromLaunch(ltiRoles: readonly string[]): Role[] {
  const uris = ltiRoles.map(roleUri);
  const roles: Role[] = ['teacher'];
  if (uris.some((r) => COACH_ROLES.has(r))) roles.push('coach');
  if (uris.some((r) => PD_STAFF_ROLES.has(r))) roles.push('pdStaff');
  return roles;
}

/** Launch roles plus in-app grants (and facilitator for course Instructors where the district says so), without duplicates, in a stable order. */
export function effectiveRoles(ltiRoles: readonly string[], grants: readonly string[], instructorsFacilitate = false): Set<Role> {
  const all = new Set<string>([...rolesFromLaunch(ltiRoles), ...grants, ...(instructorsFacilitate && teachesCourse(ltiRoles) ? ['facilitator'] : [])]);
  return new Set(ROLES.filter((r) => all.has(r)));
}

/** Where a person lands after a launch: the most specific home they have. */
export function homePath(roles: ReadonlySet<Role>): string {
  if (roles.has('pdStaff')) return '/staff';
  if (roles.has('coach') || roles.has('approver')) return '/coach';
  if (roles.has('facilitator')) return '/facilitator';
  return '/dashboard';
}

export function isInstructorRole(ltiRoles: readonly string[]): boolean {
  return ltiRoles.map(roleUri).some((r) => r === `${MEMBERSHIP}Instructor` || r === `${MEMBERSHIP}ContentDeveloper` || PD_STAFF_ROLES.has(r));
}

/** The launch names this person an Instructor of its course (the context role, not the institution one). */
export function teachesCourse(ltiRoles: readonly string[]): boolean {
  return ltiRoles.map(roleUri).includes(`${MEMBERSHIP}Instructor`);
}

/** The context role Learner: a participant of the course (NRPS lists roles per member). */
export function learnsInCourse(ltiRoles: readonly string[]): boolean {
  return ltiRoles.map(roleUri).includes(`${MEMBERSHIP}Learner`);
}
