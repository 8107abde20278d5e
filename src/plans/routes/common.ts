import { Types } from 'mongoose';
import { z } from 'zod';
import * as frameworks from '../../frameworks/service';
import * as users from '../../users/service';
import type { UserDoc } from '../../users/service';
import { Actor } from '../../kernel/actor';
import { Forbidden } from '../../kernel/errors';
import { objectId } from '../../kernel/validation';
import { canChangePlan, canEditPlan, canReadPlan, canRecordProgress } from '../policy';
import * as plans from '../service';
import { DoneCode } from '../confirmations';

// What every plans router needs: route parameters and the plan as the actor may use it.

export type Id = Types.ObjectId;
export const PlanParams = z.object({ id: objectId });
export const GoalParams = PlanParams.extend({ goalId: objectId });
export const ActivityParams = GoalParams.extend({ aid: objectId });
export const EvidenceParams = ActivityParams.extend({ eid: objectId });
export const ReflectionParams = GoalParams.extend({ rid: objectId });
export const ChangeParams = PlanParams.extend({ changeId: objectId });
export const oid = (s: string) => new Types.ObjectId(s);
export const by = (actor: Actor): plans.ChangedBy => ({ userId: actor.userId, name: actor.name });

export async function frameworkOf(tenantId: Id) {
  return (await frameworks.hasActiveFramework(tenantId)) ? frameworks.activeFramework(tenantId) : undefined;
}

/** The plan and its teacher, when the actor may read it (other tenants' plans are not found at all). */
export async function readablePlan(actor: Actor, planId: string): Promise<{ plan: plans.PlanDoc; teacher: UserDoc }> {
  const plan = await plans.getPlan(actor.tenantId, planId);
  const teacher = await users.getUser(actor.tenantId, plan.userId);
  if (!canReadPlan(actor, plan, teacher)) throw new Forbidden('This plan is visible to its teacher, their coach and approvers only.');
  return { plan, teacher };
}

export async function editablePlan(actor: Actor, planId: string) {
  const found = await readablePlan(actor, planId);
  if (!canEditPlan(actor, found.plan)) throw new Forbidden(found.plan.userId.equals(actor.userId) ? `Your plan is ${found.plan.status}; goals and activities can be changed while it is a draft or returned.` : 'Only the teacher changes their plan.');
  return found;
}

/** A plan whose goals and activities the actor may add or remove: directly in a draft, as proposed changes once approved. */
export async function changeablePlan(actor: Actor, planId: string) {
  const found = await readablePlan(actor, planId);
  if (!canChangePlan(actor, found.plan)) {
    const own = found.plan.userId.equals(actor.userId);
    throw new Forbidden(!own ? 'Only the teacher changes their plan.' : found.plan.change?.status === 'submitted' ? 'Your proposed changes are waiting for approval; you can propose more once the approver has decided.' : `Your plan is ${found.plan.status}; goals and activities can be changed while it is a draft or returned, and proposed as changes while it is active.`);
  }
  return found;
}

export async function progressPlan(actor: Actor, planId: string) {
  const found = await readablePlan(actor, planId);
  if (!canRecordProgress(actor, found.plan)) throw new Forbidden('Progress, evidence and reflections are recorded by the teacher once the plan is active.');
  return found;
}

export interface PageExtras {
  celebrate?: boolean;
  done?: DoneCode;
  message?: string;
  errors?: Record<string, string>;
  values?: Record<string, unknown>;
}
