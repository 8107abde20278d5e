import { Types } from 'mongoose';
import { completedCredit, creditByYear } from '../../src/plans/credit';
import type { PlanDoc } from '../../src/plans/model';

const id = () => new Types.ObjectId();
const activity = (o: Record<string, unknown>) => ({ _id: id(), title: 'A workshop', kind: 'workshop', hours: 5, cost: 10, status: 'done', source: 'lms', evidence: [], ...o });
const plan = (activities: ReturnType<typeof activity>[][]) => ({ _id: id(), goals: activities.map((a) => ({ activities: a })) }) as unknown as PlanDoc;

test('completed credit counts each done activity once per plan, with the hours the source reported', () => {
  const shared = id();
  const p = plan([
    [activity({ activityId: shared, completedAt: new Date('2025-05-01'), completedHours: 7 }), activity({ title: 'Not done', status: 'in-progress' })],
    [activity({ activityId: shared, completedAt: new Date('2025-05-01') })],
  ]);
  const credit = completedCredit([p]);
  expect(credit).toHaveLength(1);
  expect(credit[0]).toMatchObject({ hours: 7, cost: 10, planId: p._id, activityId: shared });
});

test('credit is totalled per calendar year of completion and overall', () => {
  const at = (d: string, hours: number, cost: number) => ({ completedAt: new Date(d), hours, cost });
  const { years, total } = creditByYear([at('2026-01-02', 2, 0.1), at('2025-12-31T23:30:00Z', 3, 217.5), at('2025-02-01', 1.5, 0.2)]);
  expect(years.map((y) => [y.year, y.activities, y.hours])).toEqual([[2025, 2, 4.5], [2026, 1, 2]]);
  expect(years[0]!.cost).toBeCloseTo(217.7);
  expect(total).toMatchObject({ activities: 3, hours: 6.5 });
});
