import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type TenantThing = { tenantId: Types.ObjectId };

/** Achievements (badges) are defined, edited, attached and archived by PD staff of the tenant. */
export function canManageAchievements(actor: Actor, thing: TenantThing): boolean {
  return sameTenant(actor, thing) && actor.roles.has('pdStaff');
}

/** Who earned an achievement is visible to PD staff of the tenant. */
export function canViewRecipients(actor: Actor, achievement: TenantThing): boolean {
  return sameTenant(actor, achievement) && actor.roles.has('pdStaff');
}

/** A badge is revoked by PD staff of its tenant, once. */
export function canRevokeCredential(actor: Actor, credential: TenantThing & { revokedAt?: Date | null }): boolean {
  return sameTenant(actor, credential) && actor.roles.has('pdStaff') && !credential.revokedAt;
}

/** A badge wall is its owner's own page. */
export function canViewBadgeWall(actor: Actor, owner: TenantThing & { userId: Types.ObjectId }): boolean {
  return sameTenant(actor, owner) && actor.userId.equals(owner.userId);
}

/** How the district appears as issuer, and its signing keys: PD staff of the tenant. */
export function canManageIssuer(actor: Actor, tenant: TenantThing): boolean {
  return sameTenant(actor, tenant) && actor.roles.has('pdStaff');
}

/** Whether a badge's public page names its holder, and how it is shared: the holder's own choice. */
export function canChooseBadgeSharing(actor: Actor, credential: TenantThing & { userId: Types.ObjectId }): boolean {
  return sameTenant(actor, credential) && actor.userId.equals(credential.userId);
}

/** The signed credential as a file is its holder's to download (the public copy is at its id). */
export function canDownloadBadge(actor: Actor, credential: TenantThing & { userId: Types.ObjectId }): boolean {
  return sameTenant(actor, credential) && actor.userId.equals(credential.userId);
}
