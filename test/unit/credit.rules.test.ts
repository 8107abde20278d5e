import fc from 'fast-check';
import { amountOf, calendarMonth, CLOCK_HOURS, convert, creditEarned, CreditKind, cycleAt, cycleProgress, periodBounds, roundCredit, sumMoney, totalsByType, totalsByYear } from '../../src/credit/rules';
import { stipendPeriod } from '../../src/credit/service';

const CEU: CreditKind = { key: 'ceu', name: 'CEUs', clockHoursPerUnit: 10 };
const GRAD: CreditKind = { key: 'grad', name: 'Graduate credit', clockHoursPerUnit: 15 };
const CTLE: CreditKind = { key: 'ctle', name: 'CTLE hours', clockHoursPerUnit: 1 };
const kinds = [CEU, GRAD, CTLE];
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('conversions', () => {
  test('10 clock hours make one CEU, 15 one graduate credit, to hundredths', () => {
    expect(convert(25, CEU)).toBe(2.5);
    expect(convert(10, GRAD)).toBe(0.67);
    expect(convert(7.5, CTLE)).toBe(7.5);
  });

  test('a credit type without a positive conversion is refused', () => {
    expect(() => convert(5, { clockHoursPerUnit: 0 })).toThrow(RangeError);
    expect(() => convert(5, { clockHoursPerUnit: -2 })).toThrow(RangeError);
  });

  test('more clock hours never convert to less credit', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 500, noNaN: true }), fc.double({ min: 0, max: 500, noNaN: true }), fc.double({ min: 0.5, max: 40, noNaN: true }), (a, b, per) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      expect(convert(lo, { clockHoursPerUnit: per })).toBeLessThanOrEqual(convert(hi, { clockHoursPerUnit: per }));
    }));
  });
});

describe('credit earned for an activity', () => {
  test('clock hours always, then each awarded type converted from the hours or fixed by the activity', () => {
    expect(creditEarned(30, [{ typeKey: 'ceu' }, { typeKey: 'grad', amount: 3 }], kinds)).toEqual([
      { typeKey: CLOCK_HOURS, amount: 30 },
      { typeKey: 'ceu', amount: 3 },
      { typeKey: 'grad', amount: 3 },
    ]);
  });

  test('a type the district no longer has, or named twice, is not awarded twice or at all', () => {
    expect(creditEarned(6, [{ typeKey: 'gone' }, { typeKey: 'ctle' }, { typeKey: 'ctle', amount: 99 }, { typeKey: CLOCK_HOURS }], [...kinds, { key: CLOCK_HOURS, name: 'Clock hours', clockHoursPerUnit: 1 }])).toEqual([
      { typeKey: CLOCK_HOURS, amount: 6 },
      { typeKey: 'ctle', amount: 6 },
    ]);
  });
});

describe('totals', () => {
  const award = fc.record({ typeKey: fc.constantFrom(CLOCK_HOURS, 'ceu', 'grad'), amount: fc.integer({ min: 0, max: 50_000 }).map((c) => c / 100) });
  const entries = fc.array(fc.record({ awards: fc.uniqueArray(award, { selector: (a) => a.typeKey, maxLength: 3 }), completedAt: fc.date({ min: day('2015-01-01'), max: day('2030-12-31'), noInvalidDate: true }) }), { maxLength: 40 });

  test('a type’s total is exactly the sum of its amounts, whatever the order', () => {
    fc.assert(fc.property(entries, (list) => {
      const totals = totalsByType(list);
      for (const t of totals) {
        const cents = list.reduce((s, e) => s + Math.round(amountOf(e.awards, t.typeKey) * 100), 0);
        expect(Math.round(t.amount * 100)).toBe(cents);
        expect(amountOf(totalsByType([...list].reverse()), t.typeKey)).toBe(t.amount);
      }
    }));
  });

  test('the per-year totals add up to the overall totals', () => {
    fc.assert(fc.property(entries, (list) => {
      const years = totalsByYear(list);
      expect(years.map((y) => y.year)).toEqual([...years.map((y) => y.year)].sort((a, b) => a - b));
      for (const t of totalsByType(list)) expect(roundCredit(years.reduce((s, y) => s + amountOf(y.totals, t.typeKey), 0))).toBe(t.amount);
    }));
  });

  test('0.1 + 0.2 clock hours total 0.3, not 0.30000000000000004', () => {
    expect(totalsByType([{ awards: [{ typeKey: CLOCK_HOURS, amount: 0.1 }] }, { awards: [{ typeKey: CLOCK_HOURS, amount: 0.2 }] }])).toEqual([{ typeKey: CLOCK_HOURS, amount: 0.3 }]);
  });
});

describe('renewal cycles', () => {
  test('five-year cycles repeat from the registration date', () => {
    expect(cycleAt(day('2019-09-01'), 5, day('2026-12-02'))).toEqual({ start: day('2024-09-01'), end: day('2029-09-01') });
    expect(cycleAt(day('2019-09-01'), 5, day('2024-08-31'))).toEqual({ start: day('2019-09-01'), end: day('2024-09-01') });
    // The day a cycle ends is the first day of the next.
    expect(cycleAt(day('2019-09-01'), 5, day('2024-09-01'))).toEqual({ start: day('2024-09-01'), end: day('2029-09-01') });
  });

  test('before the registration date, the first cycle', () => {
    expect(cycleAt(day('2027-01-15'), 5, day('2026-12-02'))).toEqual({ start: day('2027-01-15'), end: day('2032-01-15') });
  });

  test('a cycle is a whole number of years', () => {
    expect(() => cycleAt(day('2020-01-01'), 0, day('2021-01-01'))).toThrow(RangeError);
    expect(() => cycleAt(day('2020-01-01'), 2.5, day('2021-01-01'))).toThrow(RangeError);
  });

  test('any moment after the start lies in exactly the cycle returned, which starts a whole number of cycles after the start', () => {
    const dates = fc.date({ min: day('1990-01-01'), max: day('2060-12-31'), noInvalidDate: true });
    fc.assert(fc.property(dates, fc.integer({ min: 1, max: 10 }), dates, (start, years, now) => {
      fc.pre(now >= start);
      const c = cycleAt(start, years, now);
      expect(c.start.getTime()).toBeLessThanOrEqual(now.getTime());
      expect(now.getTime()).toBeLessThan(c.end.getTime());
      expect((c.start.getUTCFullYear() - start.getUTCFullYear()) % years).toBe(0);
      expect(cycleAt(start, years, c.end).start).toEqual(c.end);
    }));
  });
});

describe('renewal progress', () => {
  const rule = { creditType: 'ctle', required: 175, minimums: [{ category: 'ELL', amount: 26.25 }] };
  const cycle = { start: day('2024-09-01'), end: day('2029-09-01') };
  const entry = (iso: string, ctle: number, categories: string[] = []) => ({ completedAt: day(iso), awards: [{ typeKey: CLOCK_HOURS, amount: ctle }, { typeKey: 'ctle', amount: ctle }], categories });

  test('counts only the rule’s credit type earned inside the cycle', () => {
    const p = cycleProgress([entry('2024-08-31', 50), entry('2025-03-01', 40, ['ELL']), entry('2026-01-10', 20), entry('2029-09-01', 80)], rule, cycle, day('2026-12-02'));
    expect(p.earned).toBe(60);
    expect(p.remaining).toBe(115);
    expect(p.minimums).toEqual([{ category: 'ELL', required: 26.25, earned: 40, met: true }]);
    expect(p.daysLeft).toBe(1004);
  });

  test('behind when below an even pace, on track at or above it, met when the total and every minimum are', () => {
    const now = day('2027-03-02'); // half way
    expect(cycleProgress([entry('2025-01-01', 80)], rule, cycle, now).status).toBe('behind');
    expect(cycleProgress([entry('2025-01-01', 90)], rule, cycle, now).status).toBe('on-track');
    expect(cycleProgress([entry('2025-01-01', 175)], rule, cycle, now).status).toBe('on-track');
    expect(cycleProgress([entry('2025-01-01', 150), entry('2025-02-01', 30, ['ELL'])], rule, cycle, now).status).toBe('met');
  });

  test('after the due day nothing is left of the time, and what is missing is behind', () => {
    const p = cycleProgress([entry('2025-01-01', 100)], rule, cycle, day('2030-01-01'));
    expect(p).toMatchObject({ daysLeft: 0, expectedByNow: 175, status: 'behind' });
  });
});

describe('stipend periods', () => {
  test('the default is the calendar month, across year ends and leap Februaries', () => {
    expect(calendarMonth(new Date('2028-02-10T23:00:00Z'))).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(calendarMonth(new Date('2026-01-31T12:00:00Z'), 1)).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(stipendPeriod({ from: '', to: ' ' }, new Date('2026-12-02T18:00:00Z'))).toEqual({ from: '2026-12-01', to: '2026-12-31' });
  });

  test('a period covers its first day from midnight and its last day to the next midnight', () => {
    expect(periodBounds({ from: '2025-03-01', to: '2025-03-31' })).toEqual({ start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-04-01T00:00:00Z') });
  });

  test('one day alone, a day that does not exist, or the last day before the first is refused', () => {
    expect(stipendPeriod({ from: '2025-03-05', to: '2025-03-05' })).toEqual({ from: '2025-03-05', to: '2025-03-05' });
    for (const [raw, field] of [[{ from: '2025-03-01' }, 'to'], [{ from: '2025-02-29', to: '2025-03-01' }, 'from'], [{ from: '2025-03-02', to: '2025-03-01' }, 'to'], [{ from: '2025-13-01', to: '2025-03-01' }, 'from']] as const) {
      expect(() => stipendPeriod(raw)).toThrow(expect.objectContaining({ fields: expect.objectContaining({ [field]: expect.any(String) }) }));
    }
  });

  test('money is summed to the cent, so a total equals the amounts listed', () => {
    expect(sumMoney([0.1, 0.2, 75.5])).toBe(75.8);
    expect(sumMoney([])).toBe(0);
  });
});
