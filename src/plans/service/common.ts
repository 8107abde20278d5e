import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { changedFields, snapshot } from '../../db/changes';
import { emit } from '../../events';
import { Conflict, fieldErrors, Invalid } from '../../kernel/errors';
import type { TenantPolicy } from '../../kernel/tenantPolicy';
import * as tenants from '../../tenants/service';
import { GoalDoc, Plan, PlanDoc } from '../model';
import { addMonths, capsOf, today } from '../rules';
import { currentPlan, getPlan } from './reading';

/** Who made a change, for the audit log and notices. */
export type { ChangedBy };
export type Id = Types.ObjectId;

const WRITE_ATTEMPTS = 6;

// ---------------------------------------------------------------------------------------------
// Writing plans: every change is a conditional update on the rev it read, retried on a race.

/** `read` is the plan as just read, when the caller has it: the first attempt starts from it instead of reading again. */
export async function mutatePlan<T>(tenantId: TenantId, planId: Id, change: (plan: PlanDoc) => T, read?: PlanDoc): Promise<{ plan: PlanDoc; result: T }> {
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const plan = attempt === 0 && read ? read : await getPlan(tenantId, planId);
    const before = snapshot(plan);
    const result = change(plan);
    const { filter, update } = planWrite(tenantId, plan, before);
    const res = await Plan.updateOne(filter, update);
    if (res.matchedCount === 1) return { plan: { ...plan, rev: plan.rev + 1 }, result };
  }
  throw new Conflict('The plan was changed by someone else at the same moment; please try again.');
}

/** What a plan write never sets: its identity, its owner, its revision and the timestamps mongoose keeps. */
const FIXED_FIELDS = ['_id', 'tenantId', 'userId', 'rev', 'createdAt', 'updatedAt'] as const;

/**
 * The write of a plan changed in memory from `before` (a snapshot of it as read): the fields that changed, only
 * while its rev is still the one read, so the stored plan is `before` when it applies.
 */
export function planWrite(tenantId: TenantId, plan: PlanDoc, before: PlanDoc) {
  const changed = changedFields(before, plan, FIXED_FIELDS);
  const update = Object.keys(changed).length ? { $set: changed, $inc: { rev: 1 } } : { $inc: { rev: 1 } };
  return { filter: scoped<PlanDoc>(tenantId, { _id: plan._id, rev: plan.rev }), update };
}

export async function policyOf(tenantId: TenantId): Promise<TenantPolicy> {
  return (await tenants.getTenant(tenantId)).policy as TenantPolicy;
}

export async function statusChanged(plan: PlanDoc, transition: string, by: ChangedBy, comment?: string, before?: string): Promise<void> {
  await audit.record(plan.tenantId, {
    actor: by,
    action: `plan.${transition}`,
    subject: { kind: 'plan', id: plan._id },
    before: before ? { status: before } : undefined,
    after: { status: plan.status, ...(comment ? { comment } : {}) },
  });
  await emit('plan.status', { tenantId: plan.tenantId, userId: plan.userId, planId: plan._id, status: transition, actorId: by.userId, ...(comment ? { comment } : {}) });
}

/** The teacher's current plan, or a new draft for the policy's period; one per teacher even under races. */
export async function ensureDraftPlan(tenantId: TenantId, userId: Id, by?: ChangedBy): Promise<PlanDoc> {
  const existing = await currentPlan(tenantId, userId);
  if (existing) return existing;
  const policy = await policyOf(tenantId);
  const start = today();
  try {
    const created = (
      await Plan.create({
        tenantId,
        userId,
        status: 'draft',
        current: true,
        periodStart: start,
        periodEnd: addMonths(start, policy.planMonths),
        caps: capsOf(policy),
      })
    ).toObject() as unknown as PlanDoc;
    await statusChanged(created, 'created', by ?? { userId, name: 'system' });
    return created;
  } catch (err) {
    // Another request created the current plan between our read and insert: the unique index said no.
    if ((err as { code?: number }).code !== 11000) throw err;
    const winner = await currentPlan(tenantId, userId);
    if (!winner) throw err;
    return winner;
  }
}

// Form fields

export const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
export const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
export const numberField = (v: unknown) => (blank(trimmed(v)) === undefined ? undefined : Number(v));
export const text = (min: number, max: number, missing: string) => z.string(missing).trim().min(min, missing).max(max, `Keep it under ${max} characters`);
export const dateField = (missing: string) => z.preprocess((v) => blank(trimmed(v)), z.coerce.date(missing));
export const optionalDate = z.preprocess((v) => blank(trimmed(v)), z.coerce.date('Enter a date as YYYY-MM-DD').optional());
export const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1', z.boolean());

export function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Invalid(`The ${what} has problems; nothing was saved.`, fieldErrors(parsed.error));
  return parsed.data;
}

export async function goalChanged(plan: PlanDoc, action: string, goal: Pick<GoalDoc, '_id' | 'statement'>, by: ChangedBy, after: Record<string, unknown> = {}): Promise<void> {
  await audit.record(plan.tenantId, { actor: by, action: `goal.${action}`, subject: { kind: 'plan', id: plan._id }, after: { goalId: String(goal._id), statement: goal.statement, ...after } });
}
