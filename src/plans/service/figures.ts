import { scoped, TenantId } from '../../db/tenancy';
import { GoalDoc, Plan, PlanActivityDoc, PlanDoc } from '../model';
import { doneHours } from '../rules';
import { Id } from './common';

// Reports add up every activity of every plan and list every pathway goal. What they read of each plan is kept
// here per plan revision: every plan write bumps `rev` (planWrite), so figures read for (plan, rev) are never
// stale, and a report reads each plan's head (who, status, period, rev) and only the goals of plans that
// changed since it last looked.

/** A goal a pathway assignment put in the plan: which assignment, its competency and how far it is. */
export interface PathwayGoalFigures {
  assignmentKey: string;
  competency: string;
  status: 'open' | 'completed';
  progress: number;
  completedAt?: Date;
}

/** One plan's sums over its activities, and the goals and activities reports count. */
export interface PlanFigures {
  hours: number;
  cost: number;
  doneHours: number;
  /** Each done activity: where its completion came from, when, and the hours it counts. */
  done: { source: string; completedAt?: Date; hours: number }[];
  pathwayGoals: PathwayGoalFigures[];
  /** Each goal that names a competency, and whether it is completed. */
  competencyGoals: { competency: string; completed: boolean }[];
  /** Each activity taken from the catalog: which, its title, whether and when it was done. */
  catalogActivities: { activityId: Id; activityKey: string; title: string; done: boolean; completedAt?: Date }[];
}

export type PlanHead = Pick<PlanDoc, '_id' | 'userId' | 'current' | 'status' | 'periodStart' | 'periodEnd' | 'rev'>;
export type FiguredPlan = PlanHead & { figures: PlanFigures };

const HEAD_FIELDS = { userId: 1, current: 1, status: 1, periodStart: 1, periodEnd: 1, rev: 1 } as const;
const SUMMED_FIELDS = { rev: 1, 'goals.origin': 1, 'goals.competency': 1, 'goals.status': 1, 'goals.progress': 1, 'goals.completedAt': 1, 'goals.activities.hours': 1, 'goals.activities.cost': 1, 'goals.activities.status': 1, 'goals.activities.completedHours': 1, 'goals.activities.source': 1, 'goals.activities.completedAt': 1, 'goals.activities.activityId': 1, 'goals.activities.title': 1 } as const;
type ActivitySums = Pick<PlanActivityDoc, 'hours' | 'cost' | 'status' | 'completedHours' | 'source' | 'completedAt' | 'activityId' | 'title'>;
type SummedGoal = Partial<Pick<GoalDoc, 'origin' | 'competency' | 'status' | 'progress' | 'completedAt'>> & { activities?: ActivitySums[] };
type PlanActivities = Pick<PlanDoc, '_id' | 'rev'> & { goals?: SummedGoal[] };

/** Enough for every plan of a large district several times over; the oldest entries go first. */
const MAX_KEPT = 200_000;
const READ_BATCH = 1_000;
const kept = new Map<string, { rev: number; figures: PlanFigures }>();

const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function figuresOf(plan: PlanActivities): PlanFigures {
  const activities = (plan.goals ?? []).flatMap((g) => g.activities ?? []);
  const done = activities.filter((a) => a.status === 'done').map((a) => ({ source: a.source ?? 'manual', completedAt: a.completedAt ?? undefined, hours: number(doneHours(a as PlanActivityDoc)) }));
  return {
    hours: activities.reduce((s, a) => s + number(a.hours), 0),
    cost: activities.reduce((s, a) => s + number(a.cost), 0),
    doneHours: done.reduce((s, d) => s + d.hours, 0),
    done,
    pathwayGoals: (plan.goals ?? []).flatMap((g) =>
      g.origin?.kind === 'pathway' ? [{ assignmentKey: g.origin.assignmentKey!, competency: g.competency!, status: g.status!, progress: g.progress!, completedAt: g.completedAt ?? undefined }] : [],
    ),
    competencyGoals: (plan.goals ?? []).flatMap((g) => (g.competency ? [{ competency: g.competency, completed: g.status === 'completed' }] : [])),
    catalogActivities: activities.flatMap((a) => (a.activityId ? [{ activityId: a.activityId, activityKey: String(a.activityId), title: a.title, done: a.status === 'done', completedAt: a.completedAt ?? undefined }] : [])),
  };
}

function keep(tenantId: TenantId, plan: PlanActivities): PlanFigures {
  const key = `${tenantId}:${plan._id}`;
  const figures = figuresOf(plan);
  kept.delete(key);
  kept.set(key, { rev: plan.rev, figures });
  if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!);
  return figures;
}

/** The heads of the plans `filter` selects (in this tenant). */
function planHeads(tenantId: TenantId, filter: Record<string, unknown>): Promise<PlanHead[]> {
  return Plan.find(scoped(tenantId, filter), HEAD_FIELDS).lean<PlanHead[]>();
}

/** Each head with its figures; only plans whose revision moved since they were last summed are read again. */
async function withFigures(tenantId: TenantId, heads: PlanHead[]): Promise<FiguredPlan[]> {
  const keys = heads.map((h) => `${tenantId}:${h._id}`);
  const found = heads.map((h, i) => {
    const entry = kept.get(keys[i]!);
    return entry && entry.rev === h.rev ? entry.figures : undefined;
  });
  const stale = heads.filter((_, i) => !found[i]).map((h) => h._id);
  const fresh = new Map<string, PlanFigures>();
  for (let i = 0; i < stale.length; i += READ_BATCH) {
    const read = await Plan.find(scoped(tenantId, { _id: { $in: stale.slice(i, i + READ_BATCH) } }), SUMMED_FIELDS).lean<PlanActivities[]>();
    // A plan written since its head was read is summed at its newer revision: the newer figures are the truer ones.
    for (const p of read) fresh.set(`${tenantId}:${p._id}`, keep(tenantId, p));
  }
  // The heads are plansWithFigures' own fresh reads, so each takes its figures in place.
  return heads.flatMap((h, i) => {
    const figures = found[i] ?? fresh.get(keys[i]!);
    return figures ? [Object.assign(h, { figures })] : [];
  });
}

/** The plans `filter` selects (in this tenant), each head with its figures. */
export async function plansWithFigures(tenantId: TenantId, filter: Record<string, unknown>): Promise<FiguredPlan[]> {
  return withFigures(tenantId, await planHeads(tenantId, filter));
}
