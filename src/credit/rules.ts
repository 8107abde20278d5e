/**
 * Credit arithmetic and renewal-cycle rules: pure functions, no I/O. Amounts are kept to hundredths and
 * summed as whole hundredths, so a total never drifts from the sum of what a transcript lists.
 */

/** The base unit every activity awards: its hours are clock hours. */
export const CLOCK_HOURS = 'clock-hours';

/** A credit type of the district: how many clock hours make one unit (10 for a CEU, 1 for a CTLE hour). */
export interface CreditKind {
  key: string;
  name: string;
  clockHoursPerUnit: number;
}

export const CLOCK_HOUR_KIND: CreditKind = { key: CLOCK_HOURS, name: 'Clock hours', clockHoursPerUnit: 1 };

export interface Award {
  typeKey: string;
  amount: number;
}

/** An award as stored (a fixed amount may be absent on an activity's settings; on a record it is always set). */
export interface StoredAward {
  typeKey: string;
  amount?: number | null;
}

/** Hundredths, as integers. */
const cents = (n: number) => Math.round(n * 100);
export const roundCredit = (n: number) => cents(n) / 100;

/** Clock hours in another unit, to hundredths: 25 clock hours at 10 per CEU are 2.5 CEUs. */
export function convert(clockHours: number, kind: Pick<CreditKind, 'clockHoursPerUnit'>): number {
  if (!(kind.clockHoursPerUnit > 0)) throw new RangeError('A credit type needs a positive number of clock hours per unit');
  return roundCredit(clockHours / kind.clockHoursPerUnit);
}

/** What an activity of these hours awards in each of its credit types; an amount set on the activity wins over the conversion. */
export interface ActivityAward {
  typeKey: string;
  /** Fixed amount (a university course worth 3 graduate credits whatever its hours). */
  amount?: number;
}

/**
 * The credit earned for completing an activity: its clock hours always, plus each type it awards (unknown
 * types skipped, each type once). A type's amount is fixed by the activity or converted from the hours.
 */
export function creditEarned(hours: number, awards: readonly ActivityAward[], kinds: readonly CreditKind[]): Award[] {
  const earned: Award[] = [{ typeKey: CLOCK_HOURS, amount: roundCredit(hours) }];
  for (const a of awards) {
    const kind = kinds.find((k) => k.key === a.typeKey);
    if (!kind || earned.some((e) => e.typeKey === kind.key)) continue;
    earned.push({ typeKey: kind.key, amount: a.amount !== undefined ? roundCredit(a.amount) : convert(hours, kind) });
  }
  return earned;
}

/** Totals per credit type over many completions, in the order types first appear. */
export function totalsByType(entries: readonly { awards: readonly StoredAward[] }[]): Award[] {
  const sums = new Map<string, number>();
  for (const e of entries) for (const a of e.awards) sums.set(a.typeKey, (sums.get(a.typeKey) ?? 0) + cents(a.amount ?? 0));
  return [...sums].map(([typeKey, c]) => ({ typeKey, amount: c / 100 }));
}

/** The amount of one type among awards (0 when absent). */
export function amountOf(awards: readonly StoredAward[], typeKey: string): number {
  return awards.find((a) => a.typeKey === typeKey)?.amount ?? 0;
}

export interface CreditYearTotal {
  year: number;
  totals: Award[];
}

/** Totals per calendar year of completion (UTC), oldest first. */
export function totalsByYear(entries: readonly { completedAt: Date; awards: readonly StoredAward[] }[]): CreditYearTotal[] {
  const years = [...new Set(entries.map((e) => e.completedAt.getUTCFullYear()))].sort((a, b) => a - b);
  return years.map((year) => ({ year, totals: totalsByType(entries.filter((e) => e.completedAt.getUTCFullYear() === year)) }));
}

function addYears(d: Date, years: number): Date {
  const next = new Date(d);
  next.setUTCFullYear(next.getUTCFullYear() + years);
  return next;
}

export interface Cycle {
  start: Date;
  /** Exclusive: the next cycle starts here and the renewal is due. */
  end: Date;
}

/**
 * The renewal cycle a moment falls in, for cycles of `years` repeating from `start` (a teacher's first
 * registration date). Before the first start, the first cycle.
 */
export function cycleAt(start: Date, years: number, now: Date): Cycle {
  if (!(years >= 1) || !Number.isInteger(years)) throw new RangeError('A renewal cycle lasts a whole number of years');
  let from = new Date(start);
  if (now.getTime() > from.getTime()) {
    // Whole cycles elapsed, estimated then corrected for leap days and month ends.
    const guess = Math.max(0, Math.floor((now.getUTCFullYear() - from.getUTCFullYear()) / years) - 1);
    from = addYears(start, guess * years);
    while (addYears(from, years).getTime() <= now.getTime()) from = addYears(from, years);
  }
  return { start: from, end: addYears(from, years) };
}

export interface RenewalRuleShape {
  creditType: string;
  required: number;
  /** At least this much of the cycle's credit type in a category (a competency code or an activity kind). */
  minimums: readonly { category: string; amount: number }[];
}

export interface CycleEntry {
  completedAt: Date;
  awards: readonly StoredAward[];
  categories: readonly string[];
}

export type RenewalStatus = 'met' | 'on-track' | 'behind';

export interface MinimumProgress {
  category: string;
  required: number;
  earned: number;
  met: boolean;
}

export interface CycleProgress {
  cycle: Cycle;
  required: number;
  earned: number;
  remaining: number;
  /** What an even pace would have earned by now. */
  expectedByNow: number;
  minimums: MinimumProgress[];
  status: RenewalStatus;
  /** Whole days until the renewal is due (0 on or after the day). */
  daysLeft: number;
}

const DAY = 86_400_000;

/** Progress toward a renewal: credit of the rule's type completed inside the cycle, against the total and each minimum. */
export function cycleProgress(entries: readonly CycleEntry[], rule: RenewalRuleShape, cycle: Cycle, now: Date): CycleProgress {
  const inside = entries.filter((e) => e.completedAt >= cycle.start && e.completedAt < cycle.end);
  const sum = (list: readonly CycleEntry[]) => list.reduce((s, e) => s + cents(amountOf(e.awards, rule.creditType)), 0) / 100;
  const earned = sum(inside);
  const minimums = rule.minimums.map((m) => {
    const got = sum(inside.filter((e) => e.categories.includes(m.category)));
    return { category: m.category, required: m.amount, earned: got, met: got >= m.amount };
  });
  const span = cycle.end.getTime() - cycle.start.getTime();
  const elapsed = Math.min(1, Math.max(0, (now.getTime() - cycle.start.getTime()) / span));
  const expectedByNow = roundCredit(rule.required * elapsed);
  const met = earned >= rule.required && minimums.every((m) => m.met);
  return {
    cycle,
    required: rule.required,
    earned,
    remaining: roundCredit(Math.max(0, rule.required - earned)),
    expectedByNow,
    minimums,
    status: met ? 'met' : earned < expectedByNow ? 'behind' : 'on-track',
    daysLeft: Math.max(0, Math.ceil((cycle.end.getTime() - now.getTime()) / DAY)),
  };
}

/** A stipend period as calendar days, both inclusive, "YYYY-MM-DD" (UTC, like every stored day). */
export interface DayPeriod {
  from: string;
  to: string;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The calendar month `monthsBack` months before the one `now` falls in (0: this month), the stipend report's default. */
export function calendarMonth(now: Date, monthsBack = 0): DayPeriod {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() - monthsBack;
  return { from: dayOf(Date.UTC(y, m, 1)), to: dayOf(Date.UTC(y, m + 1, 0)) };
}

/** The moments a period covers: from its first day's midnight up to, not including, the midnight after its last. */
export function periodBounds(p: DayPeriod): { start: Date; end: Date } {
  const start = new Date(`${p.from}T00:00:00Z`);
  return { start, end: new Date(new Date(`${p.to}T00:00:00Z`).getTime() + DAY) };
}

/** A sum of money to the cent, summed as whole cents so a total equals the sum of the amounts listed. */
export function sumMoney(amounts: readonly number[]): number {
  return amounts.reduce((s, a) => s + cents(a), 0) / 100;
}
