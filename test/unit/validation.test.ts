import fc from 'fast-check';
import { calendarDay, isCalendarDay, unflatten } from '../../src/kernel/validation';

test('dotted form names become nested objects and arrays', () => {
  expect(unflatten({ name: 'F', 'domains.0.code': 'A', 'domains.1.code': 'B', 'level.PLAN1': '2', 'competencies.0.levels.3': 'x' })).toEqual({
    name: 'F',
    domains: [{ code: 'A' }, { code: 'B' }],
    level: { PLAN1: '2' },
    competencies: [{ levels: [undefined, undefined, undefined, 'x'] }],
  });
});

test('prototype keys, huge indexes and clashing names are ignored', () => {
  const out = unflatten({ '__proto__.polluted': 'yes', 'rows.999999.x': '1', a: 'plain', 'a.b': 'nested' });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(out).toEqual({ a: 'plain' });
});

test('a calendar day is a YYYY-MM-DD day that exists: February 30 and 2025-02-29 are refused, not rolled into March', () => {
  for (const day of ['2024-02-29', '2026-12-31', '2027-01-01']) expect(isCalendarDay(day)).toBe(true);
  for (const day of ['2026-02-30', '2025-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-2-3', '2026-02-03T00:00']) expect(isCalendarDay(day)).toBe(false);
  expect(calendarDay.safeParse('2026-02-30').error?.issues[0]?.message).toBe('There is no such date');
  expect(calendarDay.safeParse('30/02/2026').error?.issues.map((i) => i.message)).toEqual(['Enter the date as YYYY-MM-DD']);
  expect(calendarDay.parse(' 2026-03-01 ')).toBe('2026-03-01');
});

test('property: every real day is a calendar day, and the day after a month’s last day is not', () => {
  fc.assert(fc.property(fc.date({ min: new Date('1900-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }), (d) => {
    const day = d.toISOString().slice(0, 10);
    const [y, m] = day.split('-').map(Number) as [number, number];
    const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
    return isCalendarDay(day) && !isCalendarDay(`${day.slice(0, 8)}${String(daysInMonth + 1).padStart(2, '0')}`);
  }));
});
