import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type Id = Types.ObjectId;
interface PathwaySubject {
  tenantId: Id;
  status: string;
  selfEnrol?: boolean | null;
}

/** PD staff of the tenant create, edit, version, publish, archive and assign pathways. */
export function canManagePathway(actor: Actor, pathway: { tenantId: Id }): boolean {
  return sameTenant(actor, pathway) && actor.roles.has('pdStaff');
}

/** A new pathway belongs to the actor's own tenant: PD staff may create one there. */
export function canCreatePathway(actor: Actor): boolean {
  return canManagePathway(actor, { tenantId: actor.tenantId });
}

/** A pathway is read by PD staff of its tenant, by anyone of the tenant once published, and by the people on that version. */
export function canViewPathway(actor: Actor, pathway: PathwaySubject, enrolment?: { userId: Id } | null): boolean {
  return sameTenant(actor, pathway) && (actor.roles.has('pdStaff') || pathway.status === 'published' || !!enrolment?.userId.equals(actor.userId));
}

/** A teacher adds a published pathway to their own plan when it is open for self-enrolment or placed in the course they launched from. */
export function canSelfEnrol(actor: Actor, pathway: PathwaySubject, placedInCourse = false): boolean {
  return sameTenant(actor, pathway) && pathway.status === 'published' && (!!pathway.selfEnrol || placedInCourse);
}

/** PD staff of the tenant assign the published version of a pathway. */
export function canAssignPathway(actor: Actor, pathway: PathwaySubject): boolean {
  return canManagePathway(actor, pathway) && pathway.status === 'published';
}

/** An assignment batch (preview, progress) is seen and confirmed by PD staff of its tenant. */
export function canRunAssignment(actor: Actor, batch: { tenantId: Id }): boolean {
  return sameTenant(actor, batch) && actor.roles.has('pdStaff');
}
