import { Types } from 'mongoose';
import * as audit from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import * as users from '../../users/service';
import { Conflict } from '../../kernel/errors';
import { CompletionEvent, EventStatus, PENDING_STATUSES } from '../model';
import { identitiesOf, planStatusReplays } from '../rules';
import { ChangedBy, entry, pushTimeline } from './common';
import { getEvent } from './ledger';
import { processSoon } from './processing';

// Replay: unmatched events go round again when an identity or a mapping appears, or on request.

/** Puts settled events matching the filter back to received and processes them again; returns how many. */
export async function requeue(tenantId: TenantId, filter: Record<string, unknown>, detail: string): Promise<number> {
  const docs = await CompletionEvent.find(scoped(tenantId, { $and: [filter, { status: { $nin: PENDING_STATUSES } }] })).select('_id').limit(5000).lean<{ _id: Types.ObjectId }[]>();
  const ids = docs.map((d) => d._id);
  if (!ids.length) return 0;
  await CompletionEvent.updateMany(scoped(tenantId, { _id: { $in: ids }, status: { $nin: PENDING_STATUSES } }), {
    $set: { status: 'received', reason: '', activityIds: [] },
    $unset: { userId: 1, nextAttemptAt: 1, lastError: 1 },
    $push: pushTimeline(entry('replay', detail)),
  });
  processSoon(tenantId, ids);
  return ids.length;
}

/** 'user.launched': a person's first launch (or a new alias) matches the events that waited for them. */
export async function replayForPerson(payload: { tenantId: TenantId; userId: Types.ObjectId; learnedAliases: boolean }): Promise<void> {
  if (!payload.learnedAliases) return;
  const person = await users.getUser(payload.tenantId, payload.userId);
  const ids = identitiesOf(person);
  if (!ids.length) return;
  await requeue(payload.tenantId, { status: 'unmatched-user', $or: ids }, `${person.name || 'The person'} opened PD Pathways; matching again`);
}

/** 'plan.status': a submitted, approved or renewed plan may now hold activities the person already completed. */
export async function replayForPlan(payload: { tenantId: TenantId; userId: Types.ObjectId; status: string }): Promise<void> {
  if (!planStatusReplays(payload.status)) return;
  await requeue(payload.tenantId, { userId: payload.userId, status: 'not-in-plan' }, `The plan was ${payload.status}; applying completions it did not have before`);
}

export async function replayEvent(tenantId: TenantId, eventId: Types.ObjectId, by: ChangedBy): Promise<void> {
  const ev = await getEvent(tenantId, eventId);
  if (PENDING_STATUSES.includes(ev.status as EventStatus)) throw new Conflict('This event is already waiting to be processed.');
  await requeue(tenantId, { _id: ev._id }, `Replayed by ${by.name}`);
  await audit.record(tenantId, { actor: by, action: 'completion-event.replayed', subject: { kind: 'completion-event', id: ev._id }, before: { status: ev.status } });
}
