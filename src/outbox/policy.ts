import { Types } from 'mongoose';
import { Actor, sameTenant } from '../kernel/actor';

type TenantThing = { tenantId: Types.ObjectId };

/** The delivery queue (scores, gradebook columns, badges) and its dead letters: PD staff of the tenant. */
export function canViewOutbox(actor: Actor, tenant: TenantThing): boolean {
  return sameTenant(actor, tenant) && actor.roles.has('pdStaff');
}

/** Putting a dead letter back in the queue: PD staff of its tenant, and only a message that gave up. */
export function canRetryMessage(actor: Actor, message: TenantThing & { status: string }): boolean {
  return sameTenant(actor, message) && actor.roles.has('pdStaff') && message.status === 'dead';
}
