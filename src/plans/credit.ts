import type { Types } from 'mongoose';
import type { CompletedActivity } from '../credit/service';
import type { PlanActivityDoc, PlanDoc } from './model';

/** One completed activity: the PD credit a district keeps as its record, and where it came from. */
export interface CreditEntry extends CompletedActivity {
  planId: Types.ObjectId;
  activityId?: Types.ObjectId;
}

/** The same activity held by two goals of a plan counts once (by catalog id, else by itself). */
export const creditKey = (planId: Types.ObjectId, a: Pick<PlanActivityDoc, '_id' | 'activityId'>) => `${planId}:${a.activityId ?? a._id}`;

/** Every completed activity of the plans, each counted once per plan, oldest first. */
export function completedCredit(plans: Pick<PlanDoc, '_id' | 'goals'>[]): CreditEntry[] {
  const seen = new Map<string, CreditEntry>();
  for (const plan of plans) {
    for (const a of plan.goals.flatMap((g) => g.activities)) {
      const key = creditKey(plan._id, a);
      if (a.status !== 'done' || !a.completedAt || seen.has(key)) continue;
      seen.set(key, {
        key,
        planId: plan._id,
        ...(a.activityId ? { activityId: a.activityId } : {}),
        title: a.title,
        kind: a.kind ?? 'custom',
        hours: a.completedHours ?? a.hours,
        cost: a.cost,
        completedAt: a.completedAt,
        source: a.source ?? 'manual',
      });
    }
  }
  return [...seen.values()].sort((x, y) => x.completedAt.getTime() - y.completedAt.getTime());
}

export interface CreditYear {
  year: number;
  activities: number;
  hours: number;
  cost: number;
}

/** Completed hours and cost per calendar year of completion (UTC), and in total. */
export function creditByYear(entries: Pick<CreditEntry, 'hours' | 'cost' | 'completedAt'>[]): { years: CreditYear[]; total: Omit<CreditYear, 'year'> } {
  const years = new Map<number, CreditYear>();
  for (const e of entries) {
    const year = e.completedAt.getUTCFullYear();
    const y = years.get(year) ?? { year, activities: 0, hours: 0, cost: 0 };
    y.activities += 1;
    y.hours += e.hours;
    y.cost += e.cost;
    years.set(year, y);
  }
  const list = [...years.values()].sort((a, b) => a.year - b.year);
  const total = list.reduce((t, y) => ({ activities: t.activities + y.activities, hours: t.hours + y.hours, cost: t.cost + y.cost }), { activities: 0, hours: 0, cost: 0 });
  return { years: list, total };
}
