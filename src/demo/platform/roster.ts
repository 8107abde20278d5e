import { createHash } from 'node:crypto';
import type { Flavor, SimCourse, SimUser } from './types';
import { Role } from './vocab';

interface Person {
  key: string;
  lmsId: string;
  givenName: string;
  familyName: string;
  institutionRoles?: string[];
}

const PEOPLE: Person[] = [
  { key: 'teacher', lmsId: '101', givenName: 'Maya', familyName: 'Patel', institutionRoles: [Role.institutionInstructor] },
  { key: 'teacher2', lmsId: '102', givenName: 'Jordan', familyName: 'Lee', institutionRoles: [Role.institutionInstructor] },
  { key: 'teacher3', lmsId: '103', givenName: 'Chris', familyName: 'Okafor', institutionRoles: [Role.institutionInstructor] },
  { key: 'coach', lmsId: '201', givenName: 'Sam', familyName: 'Rivera', institutionRoles: [Role.institutionMentor] },
  { key: 'pdlead', lmsId: '301', givenName: 'Alex', familyName: 'Kim', institutionRoles: [Role.institutionAdministrator] },
  { key: 'facilitator', lmsId: '401', givenName: 'Dana', familyName: 'Brooks', institutionRoles: [Role.institutionInstructor] },
];

/**
 * A small district for the demo page and benchmarks: three teachers enrolled as learners in a PD
 * course, a coach who mentors two of them, a PD lead who teaches the course and a teacher leader who
 * co-teaches it and facilitates PD sessions. Users are keyed by role name (`teacher`, `teacher2`,
 * `teacher3`, `coach`, `pdlead`, `facilitator`); subs follow the flavor
 * (Canvas: opaque UUID-like ids; Moodle: the numeric user id).
 */
export function demoRoster(flavor: Flavor): { users: Record<string, SimUser>; course: SimCourse } {
  const users = Object.fromEntries(PEOPLE.map((p) => [p.key, toUser(flavor, p)]));
  const sub = (key: string): string => users[key]?.sub ?? key;
  const course: SimCourse = {
    id: flavor === 'canvas' ? '4101' : '2',
    contextId: flavor === 'canvas' ? digest('course-4101', 40) : undefined,
    label: 'PD-101',
    title: 'Teacher Professional Development 2025',
    sourcedId: 'PD-101-2025',
    members: [
      { userSub: sub('teacher'), roles: [Role.learner] },
      { userSub: sub('teacher2'), roles: [Role.learner] },
      { userSub: sub('teacher3'), roles: [Role.learner] },
      { userSub: sub('coach'), roles: [Role.mentor], mentees: [sub('teacher'), sub('teacher2')] },
      { userSub: sub('pdlead'), roles: [Role.instructor] },
      { userSub: sub('facilitator'), roles: [Role.instructor] },
    ],
  };
  return { users, course };
}

function toUser(flavor: Flavor, person: Person): SimUser {
  return {
    sub: flavor === 'canvas' ? uuidLike(`user-${person.lmsId}`) : person.lmsId,
    lmsId: person.lmsId,
    name: `${person.givenName} ${person.familyName}`,
    givenName: person.givenName,
    familyName: person.familyName,
    email: `${person.givenName}.${person.familyName}@district.example`.toLowerCase(),
    sourcedId: `SIS-${person.lmsId}`,
    institutionRoles: person.institutionRoles,
  };
}

function digest(seed: string, length: number): string {
  return createHash('sha1').update(seed).digest('hex').slice(0, length);
}

function uuidLike(seed: string): string {
  const hex = digest(seed, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
