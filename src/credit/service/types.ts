import { Types } from 'mongoose';
import { z } from 'zod';
import * as audit from '../../audit/service';
import type { ChangedBy } from '../../audit/service';
import { scoped, TenantId } from '../../db/tenancy';
import { Conflict, fieldErrors, Invalid } from '../../kernel/errors';
import { ActivityCredit, CreditType } from '../model';
import { ActivityAward, CLOCK_HOUR_KIND, CLOCK_HOURS, CreditKind } from '../rules';

/** The district's credit types, clock hours first (every activity awards them). */
export async function creditKinds(tenantId: TenantId): Promise<CreditKind[]> {
  const stored = await CreditType.find(scoped(tenantId)).sort({ name: 1 }).lean();
  return [CLOCK_HOUR_KIND, ...stored.map(({ key, name, clockHoursPerUnit }) => ({ key, name, clockHoursPerUnit }))];
}

const CreditTypeInput = z.object({
  name: z.string().trim().min(1, 'Enter a name, such as CEUs').max(60, 'Keep the name under 60 characters'),
  clockHoursPerUnit: z.coerce.number('Enter the clock hours in one unit as a number').positive('One unit is more than 0 clock hours').max(1000, 'At most 1000 clock hours in one unit'),
});

/** "State renewal points" → "state-renewal-points". */
const keyOf = (name: string) => name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'credit';

/** PD staff add a credit type with its conversion; a second type of the same name is refused. */
export async function addCreditType(tenantId: TenantId, raw: unknown, by: ChangedBy): Promise<CreditKind> {
  const parsed = CreditTypeInput.safeParse(raw);
  if (!parsed.success) throw new Invalid('Check the credit type; nothing was saved.', fieldErrors(parsed.error));
  const key = keyOf(parsed.data.name);
  if (key === CLOCK_HOURS) throw new Invalid('Clock hours are always recorded; nothing was saved.', { name: 'Clock hours exist already: give another name' });
  const { upsertedCount } = await CreditType.updateOne(scoped(tenantId, { key }), { $setOnInsert: { ...parsed.data, key } }, { upsert: true });
  if (!upsertedCount) throw new Conflict(`A credit type named “${parsed.data.name}” exists already; nothing was saved.`);
  await audit.record(tenantId, { actor: by, action: 'credit.type-added', subject: { kind: 'creditType', id: key }, after: parsed.data });
  return { key, ...parsed.data };
}

export interface ActivityCreditSetting {
  awards: ActivityAward[];
  stipend: number;
}

/** What each of these catalog activities awards besides clock hours, and its stipend (none when never set). */
export async function activityCredit(tenantId: TenantId, activityIds: Types.ObjectId[]): Promise<Map<string, ActivityCreditSetting>> {
  const docs = await ActivityCredit.find(scoped(tenantId, { activityId: { $in: activityIds } })).lean();
  return new Map(docs.map((d) => [String(d.activityId), { awards: d.awards.map((a) => ({ typeKey: a.typeKey, ...(a.amount != null ? { amount: a.amount } : {}) })), stipend: d.stipend ?? 0 }]));
}

const optionalAmount = z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.coerce.number('Enter a number').min(0, 'It cannot be negative').max(10000, 'At most 10000').optional());

/** The form: one checkbox and optional fixed amount per credit type ("award.ceu", "amount.ceu"), and a stipend. */
function parseSetting(raw: Record<string, unknown>, kinds: CreditKind[]): ActivityCreditSetting {
  const errors: Record<string, string> = {};
  const awards: ActivityAward[] = [];
  for (const k of kinds.filter((x) => x.key !== CLOCK_HOURS)) {
    const amount = optionalAmount.safeParse(raw[`amount_${k.key}`]);
    if (!amount.success) errors[`amount_${k.key}`] = amount.error.issues[0]!.message;
    else if (raw[`award_${k.key}`] === 'on') awards.push({ typeKey: k.key, ...(amount.data !== undefined ? { amount: amount.data } : {}) });
  }
  const stipend = optionalAmount.safeParse(raw.stipend);
  if (!stipend.success) errors.stipend = stipend.error.issues[0]!.message;
  if (Object.keys(errors).length) throw new Invalid('Check the credit for this activity; nothing was saved.', errors);
  return { awards, stipend: stipend.data ?? 0 };
}

/** PD staff set what a catalog activity awards; completions recorded later earn it (earlier ones keep theirs). */
export async function setActivityCredit(tenantId: TenantId, activityId: Types.ObjectId, raw: Record<string, unknown>, by: ChangedBy): Promise<ActivityCreditSetting> {
  const setting = parseSetting(raw, await creditKinds(tenantId));
  await ActivityCredit.updateOne(scoped(tenantId, { activityId }), { $set: setting }, { upsert: true });
  await audit.record(tenantId, { actor: by, action: 'credit.activity-set', subject: { kind: 'activity', id: activityId }, after: { awards: setting.awards.map((a) => a.typeKey).join(', '), stipend: setting.stipend } });
  return setting;
}
