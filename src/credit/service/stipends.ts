import { calendarDay } from '../../kernel/validation';
import { z } from 'zod';
import { TenantId } from '../../db/tenancy';
import { fieldErrors, Invalid } from '../../kernel/errors';
import * as users from '../../users/service';
import { calendarMonth, DayPeriod, periodBounds } from '../rules';
import { CreditRecordDoc, stipendRecordsBetween } from './ledger';

const day = (missing: string) => z.string().trim().min(1, missing).pipe(calendarDay);

const PeriodInput = z.object({ from: day('Enter the first day'), to: day('Enter the last day') })
  .refine((p) => p.to >= p.from, { path: ['to'], message: 'The last day is before the first day' });

/**
 * The period a stipend report covers: both days as typed, or this calendar month when neither is given.
 * Anything else (one day missing, no such date, the last day before the first) is refused.
 */
export function stipendPeriod(raw: { from?: unknown; to?: unknown }, now = new Date()): DayPeriod {
  const blank = (v: unknown) => v === undefined || (typeof v === 'string' && v.trim() === '');
  if (blank(raw.from) && blank(raw.to)) return calendarMonth(now);
  const parsed = PeriodInput.safeParse({ from: raw.from ?? '', to: raw.to ?? '' });
  if (!parsed.success) throw new Invalid('Check the period; no report was made for it.', fieldErrors(parsed.error));
  return parsed.data;
}

/** One stipend to pay: the completion that earned it and who completed it (absent only if the person record is gone). */
export interface StipendPayment {
  record: CreditRecordDoc;
  person?: users.UserDoc;
}

/** Every stipend earned in the period in the district, one per completion (the ledger holds each completion once), oldest first. */
export async function stipendsIn(tenantId: TenantId, period: DayPeriod): Promise<StipendPayment[]> {
  const { start, end } = periodBounds(period);
  const records = await stipendRecordsBetween(tenantId, start, end);
  const people = new Map((await users.listUsers(tenantId, { ids: records.map((r) => r.userId) })).map((u) => [String(u._id), u]));
  return records.map((record) => ({ record, ...(people.has(String(record.userId)) ? { person: people.get(String(record.userId))! } : {}) }));
}
