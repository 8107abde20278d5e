import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, fieldErrors, Invalid, NotFound } from '../../kernel/errors';
import { money } from '../../web/format';
import { ApprovalChain, Budget, BudgetDoc } from '../model';
import { ChainStep, DEFAULT_CHAIN, schoolYearOf } from '../rules';

export type { BudgetDoc };

const amountField = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number('Enter the amount as a number').min(0, 'The amount cannot be negative').max(100_000_000, 'At most 100,000,000'));
const BudgetForm = z.object({
  name: z.string('Name the funding source').trim().min(2, 'Name the funding source (at least 2 characters)').max(80, 'Keep it under 80 characters'),
  schoolYear: z.string('Give the school year as 2026-27').trim().regex(/^\d{4}-\d{2}$/, 'Give the school year as 2026-27'),
  amount: amountField,
});

function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown, message: string): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new Invalid(message, fieldErrors(r.error));
  return r.data;
}

export function listBudgets(tenantId: TenantId): Promise<BudgetDoc[]> {
  return Budget.find(scoped(tenantId, {})).sort({ schoolYear: -1, nameKey: 1 }).lean<BudgetDoc[]>();
}

/** The budgets a request can draw on: this school year's and next. */
export async function openBudgets(tenantId: TenantId, at = new Date()): Promise<BudgetDoc[]> {
  const years = [schoolYearOf(at), schoolYearOf(new Date(at.getTime() + 366 * 86_400_000))];
  return Budget.find(scoped(tenantId, { schoolYear: { $in: years } })).sort({ schoolYear: 1, nameKey: 1 }).lean<BudgetDoc[]>();
}

export async function getBudget(tenantId: TenantId, id: Types.ObjectId | string): Promise<BudgetDoc> {
  const doc = Types.ObjectId.isValid(id) ? await Budget.findOne(scoped(tenantId, { _id: id })).lean<BudgetDoc>() : null;
  if (!doc) throw new NotFound('That budget');
  return doc;
}

/** PD staff add a funding source for a school year (e.g. Title II, 2026-27, $40,000). */
export async function addBudget(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<BudgetDoc> {
  const input = parse(BudgetForm, raw, 'The budget needs attention; nothing was saved.');
  try {
    const doc = await Budget.create({ tenantId, ...input, nameKey: input.name.toLowerCase(), balance: input.amount });
    await audit.record(tenantId, { actor: by, action: 'budget.added', subject: { kind: 'budget', id: doc._id }, after: input });
    return doc.toObject() as unknown as BudgetDoc;
  } catch (err) {
    if ((err as { code?: number }).code === 11000) throw new Conflict(`A budget named ${input.name} for ${input.schoolYear} exists already; nothing was saved.`);
    throw err;
  }
}

/** A new amount moves the balance by the difference; refused when money already committed or paid would not fit. */
export async function setBudgetAmount(tenantId: TenantId, id: string, raw: unknown, by: ChangedBy): Promise<void> {
  const { amount } = parse(z.object({ amount: amountField }), raw, 'The amount needs attention; nothing was saved.');
  const budget = await getBudget(tenantId, id);
  const delta = amount - budget.amount;
  const res = await Budget.updateOne(scoped(tenantId, { _id: budget._id, amount: budget.amount, balance: { $gte: -delta } }), { $set: { amount }, $inc: { balance: delta } });
  if (res.matchedCount !== 1) throw new Conflict(`${budget.name} has ${money(budget.committed + budget.paid)} committed or paid, more than ${money(amount)}; nothing was saved.`);
  await audit.record(tenantId, { actor: by, action: 'budget.amount-set', subject: { kind: 'budget', id: budget._id }, before: { amount: budget.amount }, after: { amount } });
}

/** Takes the money for an approval in one conditional update: refused (false) when the balance is short. */
export async function commitMoney(tenantId: TenantId, budgetId: Types.ObjectId, amount: number): Promise<boolean> {
  const res = await Budget.updateOne(scoped(tenantId, { _id: budgetId, balance: { $gte: amount } }), { $inc: { balance: -amount, committed: amount } });
  return res.modifiedCount === 1;
}

/** Settles committed money: `paid` of it is paid out, the rest goes back to the balance. */
export async function settleMoney(tenantId: TenantId, budgetId: Types.ObjectId, committed: number, paid: number): Promise<void> {
  await Budget.updateOne(scoped(tenantId, { _id: budgetId }), { $inc: { committed: -committed, paid, balance: committed - paid } });
}

const StepForm = z.object({ label: z.string().trim().max(60, 'Keep the name under 60 characters'), role: z.enum(['approver', 'pdStaff', ''], 'Choose who decides') });

/** The district's approval steps; the default (the teacher's approver, then the PD office) until PD staff set them. */
export async function approvalChain(tenantId: TenantId): Promise<ChainStep[]> {
  const doc = await ApprovalChain.findOne(scoped(tenantId, {})).lean<{ steps: ChainStep[] }>();
  return doc ? doc.steps.map((s) => ({ label: s.label, role: s.role })) : [...DEFAULT_CHAIN];
}

/** Rows with a name become steps in order; empty rows are dropped. Requests already sent keep the chain they started with. */
export async function saveApprovalChain(tenantId: TenantId, rows: unknown, by: ChangedBy): Promise<ChainStep[]> {
  const list = Array.isArray(rows) ? rows : [];
  const parsed = list.map((r) => StepForm.safeParse(r));
  const errors: Record<string, string> = {};
  parsed.forEach((p, i) => {
    if (!p.success) errors[`steps.${i}.label`] = p.error.issues[0]!.message;
    else if (p.data.label && !p.data.role) errors[`steps.${i}.role`] = 'Choose who decides';
  });
  const steps = parsed.flatMap((p) => (p.success && p.data.label && p.data.role ? [{ label: p.data.label, role: p.data.role as ChainStep['role'] }] : []));
  if (!steps.length && !Object.keys(errors).length) errors['steps.0.label'] = 'Give at least one step';
  if (Object.keys(errors).length) throw new Invalid('The approval steps need attention; nothing was saved.', errors);
  await ApprovalChain.updateOne(scoped(tenantId, {}), { $set: { steps } }, { upsert: true });
  await audit.record(tenantId, { actor: by, action: 'request-chain.set', subject: { kind: 'tenant', id: tenantId }, after: { steps: steps.map((s) => `${s.label} (${s.role})`).join(' → ') } });
  return steps;
}
