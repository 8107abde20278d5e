import { Actor, Role } from '../kernel/actor';
import type { HomeKind } from '../web/nextStep';
import { isoDate } from '../web/format';
import { Grant, UserDoc } from './model';

const ROLE_LABELS: Record<Role, string> = { teacher: 'Teacher', coach: 'Coach', approver: 'Approver', facilitator: 'Facilitator', pdStaff: 'PD staff' };

export function roleLabel(role: Role | Grant): string {
  return ROLE_LABELS[role];
}

const PLATFORM_LABELS: Record<string, string> = { canvas: 'Canvas', moodle: 'Moodle', other: 'LMS' };

/** "Who you are and where you came from", shown at the top of every home page. */
export function identityCard(actor: Actor) {
  return {
    name: actor.name,
    email: actor.email,
    roles: [...actor.roles].map(roleLabel),
    platform: `${PLATFORM_LABELS[actor.platform.family] ?? 'LMS'} · ${actor.platform.name}`,
    course: actor.context ? `${actor.context.title}${actor.context.label ? ` (${actor.context.label})` : ''}` : undefined,
  };
}

export const HOME_TITLES: Record<HomeKind, string> = { teacher: 'My PD plan', coach: 'Coaching caseload', staff: 'PD staff console', facilitator: 'My sessions to run' };

/** Links to the other homes this person may open. */
export function homeLinks(actor: Actor): { href: string; label: string; kind: HomeKind }[] {
  const links: { href: string; label: string; kind: HomeKind }[] = [{ href: '/dashboard', label: HOME_TITLES.teacher, kind: 'teacher' }];
  if (actor.roles.has('coach') || actor.roles.has('approver')) links.push({ href: '/coach', label: HOME_TITLES.coach, kind: 'coach' });
  if (actor.roles.has('facilitator')) links.push({ href: '/facilitator', label: HOME_TITLES.facilitator, kind: 'facilitator' });
  if (actor.roles.has('pdStaff')) links.push({ href: '/staff', label: HOME_TITLES.staff, kind: 'staff' });
  return links;
}

/** "Maya", "Maya and Jordan", "Maya, Jordan and Chris". */
export function listOf(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function personRow(user: UserDoc, coaches: Map<string, string>) {
  return {
    id: String(user._id),
    name: user.name || user.aliases?.email || 'Unnamed',
    email: user.aliases?.email ?? '',
    status: user.status === 'pending' ? 'not launched yet' : 'active',
    roles: user.grants.length ? (user.grants as Grant[]).map(roleLabel).join(', ') : 'none',
    grants: user.grants as Grant[],
    coaches: user.coachIds.map((id) => coaches.get(String(id)) ?? 'Unknown'),
    coachIds: user.coachIds.map(String),
    lastLaunch: isoDate(user.lastLaunchAt),
  };
}
