import { calendarDay } from '../../kernel/validation';
import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import type { PlatformFamily } from '../../kernel/actor';
import { readCsv } from '../../kernel/csv';
import { fieldErrors, Invalid } from '../../kernel/errors';
import * as users from '../../users/service';
import { RenewalCycle, RenewalCycleDoc, RenewalRule, RenewalRuleDoc } from '../model';
import { cycleAt, CycleProgress, cycleProgress } from '../rules';
import { creditRecordsOf } from './ledger';
import { creditKinds } from './types';

export type { RenewalCycleDoc, RenewalRuleDoc };

const MINIMUM_ROWS = 3;
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const RuleInput = z.object({
  name: z.string().trim().min(1, 'Enter a name, such as CTLE registration').max(80, 'Keep the name under 80 characters'),
  years: z.coerce.number('Enter the years as a number').int('A whole number of years').min(1, 'At least 1 year').max(20, 'At most 20 years'),
  creditType: z.string().min(1, 'Choose the credit type it counts'),
  required: z.coerce.number('Enter the credit needed as a number').positive('More than 0').max(100000, 'At most 100000'),
});

const MinimumRow = z.object({
  category: z.preprocess(blank, z.string().trim().max(40, 'Keep it under 40 characters').optional()),
  amount: z.preprocess(blank, z.coerce.number('Enter a number').positive('More than 0').optional()),
});

/** Minimum rows "minCategory_0"/"minAmount_0" …; a row with only one of the two is an error. */
function parseMinimums(raw: Record<string, unknown>, errors: Record<string, string>): { category: string; amount: number }[] {
  const out: { category: string; amount: number }[] = [];
  for (let i = 0; i < MINIMUM_ROWS; i++) {
    const row = MinimumRow.safeParse({ category: raw[`minCategory_${i}`], amount: raw[`minAmount_${i}`] });
    if (!row.success) for (const issue of row.error.issues) errors[`min${issue.path[0] === 'amount' ? 'Amount' : 'Category'}_${i}`] = issue.message;
    else if (row.data.category && row.data.amount) out.push({ category: row.data.category, amount: row.data.amount });
    else if (row.data.category) errors[`minAmount_${i}`] = 'Enter how much is needed in this category';
    else if (row.data.amount) errors[`minCategory_${i}`] = 'Choose the category';
  }
  return out;
}

/** PD staff define a renewal rule (e.g. 175 CTLE hours per 5 years, at least 26.25 in ELL). */
export async function addRenewalRule(tenantId: TenantId, raw: Record<string, unknown>, by: ChangedBy): Promise<RenewalRuleDoc> {
  const parsed = RuleInput.safeParse(raw);
  const errors = parsed.success ? {} : fieldErrors(parsed.error);
  const minimums = parseMinimums(raw, errors);
  if (parsed.success && !(await creditKinds(tenantId)).some((k) => k.key === parsed.data.creditType)) errors.creditType = 'Choose one of the district’s credit types';
  if (!parsed.success || Object.keys(errors).length) throw new Invalid('Check the renewal rule; nothing was saved.', errors);
  const rule = await RenewalRule.create({ tenantId, ...parsed.data, minimums });
  await audit.record(tenantId, { actor: by, action: 'credit.rule-added', subject: { kind: 'renewalRule', id: rule._id }, after: { ...parsed.data, minimums: minimums.length } });
  return rule.toObject() as unknown as RenewalRuleDoc;
}

export function renewalRules(tenantId: TenantId): Promise<RenewalRuleDoc[]> {
  return RenewalRule.find(scoped(tenantId)).sort({ name: 1 }).lean<RenewalRuleDoc[]>();
}

async function ruleOf(tenantId: TenantId, ruleId: Types.ObjectId | string): Promise<RenewalRuleDoc> {
  const rule = Types.ObjectId.isValid(ruleId) ? await RenewalRule.findOne(scoped(tenantId, { _id: ruleId })).lean<RenewalRuleDoc>() : null;
  if (!rule) throw new Invalid('Choose one of the district’s renewal rules; nothing was saved.', { ruleId: 'Choose a renewal rule' });
  return rule;
}

const CycleInput = z.object({
  ruleId: z.string().min(1, 'Choose a renewal rule'),
  startsOn: calendarDay.transform((s) => new Date(`${s}T00:00:00Z`)),
});

/** PD staff set when a teacher's first renewal cycle started, and under which rule. */
export async function setCycle(tenantId: TenantId, userId: Types.ObjectId, raw: unknown, by: ChangedBy): Promise<RenewalCycleDoc> {
  const parsed = CycleInput.safeParse(raw);
  if (!parsed.success) throw new Invalid('Check the renewal cycle; nothing was saved.', fieldErrors(parsed.error));
  const rule = await ruleOf(tenantId, parsed.data.ruleId);
  await users.getUser(tenantId, userId);
  const doc = await RenewalCycle.findOneAndUpdate(scoped(tenantId, { userId }), { $set: { ruleId: rule._id, startsOn: parsed.data.startsOn, setBy: by.name, updatedAt: new Date() } }, { upsert: true, new: true }).lean<RenewalCycleDoc>();
  await audit.record(tenantId, { actor: by, action: 'credit.cycle-set', subject: { kind: 'user', id: userId }, after: { rule: rule.name, startsOn: parsed.data.startsOn.toISOString().slice(0, 10) } });
  return doc!;
}

export const CYCLE_COLUMNS = { required: [['email', 'lms_id'], ['cycle_start']], optional: ['name', 'rule'] };

/**
 * Cycle starts from a CSV (email or lms_id, cycle_start, optional rule by name when the district has
 * several). Every row is checked first: one bad row refuses the whole file.
 */
export async function importCycles(tenantId: TenantId, csv: string, family: PlatformFamily, by: ChangedBy): Promise<{ set: number; pending: number }> {
  const rules = await renewalRules(tenantId);
  if (!rules.length) throw new Invalid('Add a renewal rule first; nothing was imported.', { file: 'The district has no renewal rule yet' });
  const problems: Record<string, string> = {};
  const rows = readCsv(csv, { maxRows: 5000, columns: CYCLE_COLUMNS }).map((r) => {
    const person = users.personFromRow(r.fields, family);
    const rule = r.fields.rule ? rules.find((x) => x.name.toLowerCase() === r.fields.rule!.toLowerCase()) : rules.length === 1 ? rules[0] : undefined;
    const start = CycleInput.shape.startsOn.safeParse(r.fields.cycle_start ?? '');
    const problem = typeof person === 'string' ? person : !rule ? (r.fields.rule ? `No renewal rule is named “${r.fields.rule}”` : 'Name the rule: the district has several') : !start.success ? `“${r.fields.cycle_start}” is not a date as YYYY-MM-DD` : undefined;
    if (problem) problems[`line ${r.line}`] = problem;
    return { person, rule, start: start.data };
  });
  if (Object.keys(problems).length) throw new Invalid(`${Object.keys(problems).length} row(s) need attention; nothing was imported.`, problems);
  let pending = 0;
  for (const row of rows) {
    const person = await users.ensurePerson(tenantId, row.person as users.PendingPerson);
    if (person.status === 'pending') pending++;
    await RenewalCycle.updateOne(scoped(tenantId, { userId: person._id }), { $set: { ruleId: row.rule!._id, startsOn: row.start!, setBy: by.name, updatedAt: new Date() } }, { upsert: true });
  }
  await audit.record(tenantId, { actor: by, action: 'credit.cycles-imported', subject: { kind: 'renewalRule', id: rows[0]!.rule!._id }, after: { rows: rows.length } });
  return { set: rows.length, pending };
}

export interface Renewal {
  rule: RenewalRuleDoc;
  startsOn: Date;
  progress: CycleProgress;
}

function renewalFor(cycle: RenewalCycleDoc, rule: RenewalRuleDoc, records: Awaited<ReturnType<typeof creditRecordsOf>>, now: Date): Renewal {
  const current = cycleAt(cycle.startsOn, rule.years, now);
  return { rule, startsOn: cycle.startsOn, progress: cycleProgress(records, rule, current, now) };
}

/** A teacher's progress to their next renewal; undefined when no cycle is set for them. */
export async function renewalOf(tenantId: TenantId, userId: Types.ObjectId, now = new Date()): Promise<Renewal | undefined> {
  const cycle = await cycleOf(tenantId, userId);
  if (!cycle) return undefined;
  const rule = await RenewalRule.findOne(scoped(tenantId, { _id: cycle.ruleId })).lean<RenewalRuleDoc>();
  if (!rule) return undefined;
  return renewalFor(cycle, rule, await creditRecordsOf(tenantId, userId), now);
}

export interface PersonRenewal extends Renewal {
  user: users.UserDoc;
}

/** Everyone with a renewal cycle and their progress, those behind first, then the soonest due. */
export async function renewalsOfDistrict(tenantId: TenantId, now = new Date()): Promise<PersonRenewal[]> {
  const [cycles, rules] = await Promise.all([RenewalCycle.find(scoped(tenantId)).lean<RenewalCycleDoc[]>(), renewalRules(tenantId)]);
  const people = new Map((await users.listUsers(tenantId, { ids: cycles.map((c) => c.userId) })).map((u) => [String(u._id), u]));
  const out: PersonRenewal[] = [];
  for (const c of cycles) {
    const rule = rules.find((r) => r._id.equals(c.ruleId));
    const user = people.get(String(c.userId));
    if (rule && user) out.push({ user, ...renewalFor(c, rule, await creditRecordsOf(tenantId, c.userId), now) });
  }
  const rank = { behind: 0, 'on-track': 1, met: 2 } as const;
  return out.sort((a, b) => rank[a.progress.status] - rank[b.progress.status] || a.progress.daysLeft - b.progress.daysLeft);
}

/** A person's data deletion: their cycle goes with it. */
export async function forgetCycle({ tenantId, userId }: { tenantId: TenantId; userId: Types.ObjectId }): Promise<void> {
  await RenewalCycle.deleteMany(scoped(tenantId, { userId }));
}

/** A teacher's cycle setting (rule and first start), or null. */
export function cycleOf(tenantId: TenantId, userId: Types.ObjectId): Promise<RenewalCycleDoc | null> {
  return RenewalCycle.findOne(scoped(tenantId, { userId })).lean<RenewalCycleDoc>();
}
