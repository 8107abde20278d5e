import type { ActivityDoc } from '../catalog/service';

// Which catalog activities fit a teacher's preferences, and when none does, the nearest ones and the
// one preference whose change would let most of them in. Pure: the service feeds it the catalog.

/** Recommendations look at what fits in the next three months. */
export const PLANNING_MONTHS = 3;
export const MAX_HOURS_PER_MONTH = 80;
const ACTIVITIES_PER_COMPETENCY = 3;
const NEAREST = 3;

export interface Preferences {
  modes: string[];
  timings: string[];
  hoursPerMonth: number;
  remainingBudget?: number;
}

export type Candidate = Pick<ActivityDoc, 'title' | 'hours' | 'cost' | 'format' | 'schedule' | 'targetLevel' | 'competencies'>;

/** One way an activity misses: a format not chosen, more hours a month, more money, or another level. */
export type Miss =
  | { kind: 'mode'; mode: string }
  | { kind: 'timing'; timing: string }
  | { kind: 'time'; hoursPerMonth: number }
  | { kind: 'budget'; cost: number }
  | { kind: 'level'; level: number };

export type RelaxKind = 'mode' | 'timing' | 'time' | 'budget';
/** Changing one preference to `value` (a mode, a timing, hours a month, a budget) lets `count` activities in. */
export interface Relaxation {
  kind: RelaxKind;
  value: string | number;
  count: number;
}

export interface Selection<T extends Candidate> {
  fitting: T[];
  /** Why activities at the right level were left out (counts overlap when one misses several). */
  leftOut: { atLevel: number; format: number; time: number; budget: number };
  nearest: { activity: T; misses: Miss[] }[];
  relax: Relaxation[];
}

/** Monthly hours that fit the activity's hours into the planning window. */
export function hoursPerMonthFor(hours: number): number {
  return Math.ceil(hours / PLANNING_MONTHS);
}

const atLevel = (a: Candidate, level: number) => !a.targetLevel || a.targetLevel === level;

/** Every preference the activity misses for a teacher working toward `level`; none means it fits. */
export function missesOf(a: Candidate, p: Preferences, level: number): Miss[] {
  const misses: Miss[] = [];
  if (p.modes.length && !p.modes.includes(a.format.mode)) misses.push({ kind: 'mode', mode: a.format.mode });
  if (p.timings.length && !p.timings.includes(a.format.timing)) misses.push({ kind: 'timing', timing: a.format.timing });
  if (!a.schedule?.selfPaced && a.hours > p.hoursPerMonth * PLANNING_MONTHS) misses.push({ kind: 'time', hoursPerMonth: hoursPerMonthFor(a.hours) });
  if (p.remainingBudget !== undefined && a.cost > p.remainingBudget) misses.push({ kind: 'budget', cost: a.cost });
  if (!atLevel(a, level)) misses.push({ kind: 'level', level: a.targetLevel! });
  return misses;
}

/**
 * For activities that miss exactly one preference: per change (allow this mode or timing; give this
 * many hours a month or have this budget, the most any of them needs), how many it lets in; most first.
 */
export function relaxations(missed: Miss[][]): Relaxation[] {
  const found = new Map<string, Relaxation>();
  for (const misses of missed) {
    const [only] = misses;
    if (misses.length !== 1 || !only || only.kind === 'level') continue;
    const value = only.kind === 'mode' ? only.mode : only.kind === 'timing' ? only.timing : only.kind === 'time' ? only.hoursPerMonth : only.cost;
    const key = only.kind === 'mode' || only.kind === 'timing' ? `${only.kind}:${value}` : only.kind;
    const r = found.get(key) ?? { kind: only.kind, value, count: 0 };
    r.count++;
    if (typeof value === 'number') r.value = Math.max(Number(r.value), value);
    found.set(key, r);
  }
  if (found.has('time') && Number(found.get('time')!.value) > MAX_HOURS_PER_MONTH) found.delete('time');
  return [...found.values()].sort((a, b) => b.count - a.count);
}

const cheapFirst = (x: Candidate, y: Candidate) => x.cost - y.cost || x.hours - y.hours || x.title.localeCompare(y.title);

/**
 * The activities of one competency for a teacher working toward `level`: those that fit (aimed at
 * that level first, then cheapest), and when none fits the nearest ones (fewest misses, another
 * level last) with the preference changes that would let them in.
 */
export function selectActivities<T extends Candidate>(competency: string, level: number, pool: T[], p: Preferences): Selection<T> {
  const ofCompetency = pool.filter((a) => a.competencies.includes(competency));
  const judged = ofCompetency.map((activity) => ({ activity, misses: missesOf(activity, p, level) }));
  const sameLevel = judged.filter((j) => atLevel(j.activity, level));
  const leftOut = {
    atLevel: sameLevel.length,
    format: sameLevel.filter((j) => j.misses.some((m) => m.kind === 'mode' || m.kind === 'timing')).length,
    time: sameLevel.filter((j) => j.misses.some((m) => m.kind === 'time')).length,
    budget: sameLevel.filter((j) => j.misses.some((m) => m.kind === 'budget')).length,
  };
  const fitting = judged
    .filter((j) => !j.misses.length)
    .map((j) => j.activity)
    .sort((x, y) => Number(!x.targetLevel) - Number(!y.targetLevel) || cheapFirst(x, y))
    .slice(0, ACTIVITIES_PER_COMPETENCY);
  if (fitting.length) return { fitting, leftOut, nearest: [], relax: [] };
  const otherLevel = (j: { misses: Miss[] }) => Number(j.misses.some((m) => m.kind === 'level'));
  const nearest = [...judged].sort((x, y) => x.misses.length - y.misses.length || otherLevel(x) - otherLevel(y) || cheapFirst(x.activity, y.activity)).slice(0, NEAREST);
  return { fitting, leftOut, nearest, relax: relaxations(sameLevel.map((j) => j.misses)) };
}
