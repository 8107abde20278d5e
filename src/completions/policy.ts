import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type TenantThing = { tenantId: Types.ObjectId };

/** The completion-sync console (sources, ledger, mappings, import): PD staff. */
export function canOpenCompletionSync(actor: Actor): boolean {
  return actor.roles.has('pdStaff');
}

/** A source's settings, tokens and secrets are managed by PD staff of the same tenant. */
export function canConfigureSource(actor: Actor, source: TenantThing): boolean {
  return sameTenant(actor, source) && actor.roles.has('pdStaff');
}

/** The ledger of a tenant (every person's events, their timelines) is read by its PD staff. */
export function canReadLedger(actor: Actor, ledger: TenantThing): boolean {
  return sameTenant(actor, ledger) && actor.roles.has('pdStaff');
}

/** Replaying an event is a PD-staff action on an event of their own tenant. */
export function canReplayEvent(actor: Actor, event: TenantThing): boolean {
  return sameTenant(actor, event) && actor.roles.has('pdStaff');
}

/** Mapping platform courses to catalog activities: PD staff of the same tenant. */
export function canManageMappings(actor: Actor, mapping: TenantThing): boolean {
  return sameTenant(actor, mapping) && actor.roles.has('pdStaff');
}

/** Importing completions and certificates from a CSV file: PD staff of the same tenant. */
export function canImportCompletions(actor: Actor, target: TenantThing): boolean {
  return sameTenant(actor, target) && actor.roles.has('pdStaff');
}

/** A teacher sees the sync history of their own completions, in their own tenant. */
export function canSeeOwnSyncHistory(actor: Actor, event: TenantThing & { userId?: Types.ObjectId | null }): boolean {
  return sameTenant(actor, event) && !!event.userId && actor.userId.equals(event.userId);
}
