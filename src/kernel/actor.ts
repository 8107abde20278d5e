import type { Types } from 'mongoose';
import type { TenantPolicy } from './tenantPolicy';

/** What a person may do in PD Pathways (ARCHITECTURE §2). Tool admins act through the CLI and admin token, not LTI. */
export const ROLES = ['teacher', 'coach', 'approver', 'facilitator', 'pdStaff'] as const;
export type Role = (typeof ROLES)[number];

export const PLATFORM_FAMILIES = ['canvas', 'moodle', 'other'] as const;
export type PlatformFamily = (typeof PLATFORM_FAMILIES)[number];

/** Who is asking, in which tenant and course: what every policy function receives. */
export interface Actor {
  tenantId: Types.ObjectId;
  userId: Types.ObjectId;
  sub: string;
  name: string;
  email?: string;
  roles: ReadonlySet<Role>;
  platform: { name: string; family: PlatformFamily; issuer: string };
  /** The course of the launch; `instructor`: the launch's context roles name this person its Instructor. */
  context?: { id: string; title: string; label: string; instructor: boolean };
  policy: TenantPolicy;
  /** BCP 47 locale dates are written in: the launch's, else the browser's, else en-US. */
  locale?: string;
  /** IANA zone moments are shown in: the district's, else UTC. */
  timeZone?: string;
  /** Teachers a granted approver answers for (their schools' and groups' members); absent: the whole district. */
  approverScope?: ReadonlySet<string>;
}

/**
 * A person granted Approver who answers for the teacher by the district's rule: approvers approve
 * (not PD staff alone), and the teacher is in their schools and groups (everyone while they have none).
 */
export function grantedApproverFor(actor: Actor, teacherId: Types.ObjectId): boolean {
  const granted = (actor.policy.approvers ?? 'approver-grant') === 'approver-grant' && actor.roles.has('approver');
  return granted && (!actor.approverScope || actor.approverScope.has(String(teacherId)));
}

/** The first predicate of every policy: the subject belongs to the actor's tenant. */
export function sameTenant(actor: Actor, subject: { tenantId: Types.ObjectId }): boolean {
  return actor.tenantId.equals(subject.tenantId);
}
