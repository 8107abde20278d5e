import type { SimCourse, SimMembership, SimUser } from './types';
import { isContextRole, isMentorRole, Role } from './vocab';

/** Users and course rosters of the simulated platform. */
export class Directory {
  private readonly userBySub = new Map<string, SimUser>();
  private readonly courseById = new Map<string, SimCourse>();

  addUser(user: SimUser): void {
    this.userBySub.set(user.sub, user);
  }

  addCourse(course: SimCourse): void {
    this.courseById.set(course.id, course);
  }

  users(): SimUser[] {
    return [...this.userBySub.values()];
  }

  courses(): SimCourse[] {
    return [...this.courseById.values()];
  }

  findUser(sub: string): SimUser | undefined {
    return this.userBySub.get(sub);
  }

  findCourse(id: string): SimCourse | undefined {
    return this.courseById.get(id);
  }

  user(sub: string): SimUser {
    const user = this.findUser(sub);
    if (!user) throw new Error(`unknown simulated user "${sub}"`);
    return user;
  }

  course(id: string): SimCourse {
    const course = this.findCourse(id);
    if (!course) throw new Error(`unknown simulated course "${id}"`);
    return course;
  }

  /** Finds a user by sub, or (when allowed) by LMS user id. */
  resolveUser(id: string, acceptLmsId: boolean): SimUser | undefined {
    return this.findUser(id) ?? (acceptLmsId ? this.users().find((u) => u.lmsId === id) : undefined);
  }

  membership(course: SimCourse, sub: string): SimMembership | undefined {
    return course.members.find((m) => m.userSub === sub);
  }

  /** Course members whose users exist, in roster order. */
  members(course: SimCourse): { user: SimUser; membership: SimMembership }[] {
    return course.members.flatMap((membership) => {
      const user = this.findUser(membership.userSub);
      return user ? [{ user, membership }] : [];
    });
  }

  isStudent(course: SimCourse, sub: string): boolean {
    return this.membership(course, sub)?.roles.includes(Role.learner) ?? false;
  }
}

/** Membership roles in the course first, then institution roles, then the flavor's implicit ones. */
export function launchRoles(user: SimUser, membership: SimMembership | undefined, implicit: string[]): string[] {
  const roles = [...(membership?.roles ?? []), ...(user.institutionRoles ?? []), ...implicit];
  return [...new Set(roles)];
}

export function mentorScope(roles: string[], user: SimUser, membership: SimMembership | undefined): string[] {
  if (!roles.some(isMentorRole)) return [];
  return membership?.mentees ?? user.mentees ?? [];
}

export function contextRoles(roles: string[]): string[] {
  return roles.filter(isContextRole);
}
