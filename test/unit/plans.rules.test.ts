import fc from 'fast-check';
import { Types } from 'mongoose';
import { Conflict, Invalid } from '../../src/kernel/errors';
import type { TenantPolicy } from '../../src/kernel/tenantPolicy';
import type { ChangeDoc, GoalDoc, PlanActivityDoc, PlanDoc } from '../../src/plans/model';
import { PLAN_STATUSES } from '../../src/plans/model';
import {
  addMonths,
  capsOf,
  carriedGoal,
  catalogOrPlanId,
  completeMatching,
  doneHours,
  fromCatalog,
  goalOpening,
  goalProgress,
  markComplete,
  MAX_GOALS,
  money,
  monthsBetween,
  newGoal,
  newGoalIn,
  nextReview,
  plannedGoals,
  planProgress,
  planTotals,
  recompute,
  requireOwnGoal,
  requireRoomForGoal,
  requireStatus,
  reviewDue,
  reviewKindNow,
  round,
  sameActivity,
  STATUS_LABELS,
  submitProblems,
  teamGoalBlocker,
  today,
  uniqueIds,
} from '../../src/plans/rules';

const id = () => new Types.ObjectId();
const ACTIVITY_STATUSES = ['not-started', 'in-progress', 'awaiting-verification', 'done'] as const;

function activity(fields: Partial<PlanActivityDoc> = {}): PlanActivityDoc {
  return { _id: id(), title: 'A workshop', kind: 'workshop', hours: 5, cost: 100, certificateRequired: false, required: true, status: 'not-started', evidence: [], ...fields } as PlanActivityDoc;
}

function goal(fields: Partial<GoalDoc> = {}): GoalDoc {
  return newGoal({ statement: 'Use formative assessment every week', ...fields });
}

function plan(fields: Partial<PlanDoc> = {}): PlanDoc {
  return {
    _id: id(),
    tenantId: id(),
    userId: id(),
    status: 'draft',
    periodStart: new Date('2025-01-01T00:00:00Z'),
    periodEnd: new Date('2027-01-01T00:00:00Z'),
    goals: [],
    reviews: [],
    approvals: [],
    progress: 0,
    rev: 0,
    change: { status: 'open', changes: [] },
    ...fields,
  } as unknown as PlanDoc;
}

const caps = { maxCostPerYear: 1500, maxHoursPerYear: 60, minHoursPerYear: 10 };
const policy = { ...caps, planMonths: 24, approvalRequired: true, reflectionRequired: false } as unknown as TenantPolicy;

const addGoalChange = (g: GoalDoc) => ({ _id: id(), kind: 'add-goal', goalId: g._id, goal: g, title: g.statement, at: new Date(), by: id(), byName: 'T' }) as unknown as ChangeDoc;

// Arbitraries: activities in any state, goals under any rule.
const anActivity = fc
  .record({
    status: fc.constantFrom(...ACTIVITY_STATUSES),
    required: fc.boolean(),
    hours: fc.integer({ min: 0, max: 40 }),
    completedHours: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
    cost: fc.integer({ min: 0, max: 5000 }),
  })
  .map((f) => activity(f));
const aRule = fc.oneof(
  fc.constant({ kind: 'all' as const }),
  fc.record({ kind: fc.constant('n-of-m' as const), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('hours' as const), hours: fc.integer({ min: 0, max: 80 }) }),
);
const aGoal = fc.record({ rule: aRule, activities: fc.array(anActivity, { maxLength: 8 }), completed: fc.boolean() }).map(({ rule, activities, completed }) => goal({ rule, activities, status: completed ? 'completed' : 'open' } as Partial<GoalDoc>));

describe('goal progress under its rule', () => {
  test('a goal without activities has made no progress, whatever its rule', () => {
    expect(goalProgress(goal({ rule: { kind: 'all' }, activities: [] }))).toBe(0);
    expect(goalProgress(goal({ rule: { kind: 'n-of-m', n: 2 }, activities: [] }))).toBe(0);
    expect(goalProgress(goal({ rule: { kind: 'hours', hours: 10 }, activities: [] }))).toBe(0);
  });

  test('"every required activity" counts only the required ones, or all when none is marked required', () => {
    const required = [activity({ status: 'done' }), activity(), activity({ required: false, status: 'done' })];
    expect(goalProgress(goal({ activities: required }))).toBe(0.5);
    const noneRequired = [activity({ required: false, status: 'done' }), activity({ required: false }), activity({ required: false }), activity({ required: false })];
    expect(goalProgress(goal({ activities: noneRequired }))).toBe(0.25);
    expect(goalProgress({ rule: undefined, activities: required } as unknown as GoalDoc)).toBe(0.5);
  });

  test('"any N of M" counts done activities against N and stops at complete', () => {
    const acts = [activity({ status: 'done' }), activity({ status: 'done' }), activity({ status: 'done' }), activity()];
    expect(goalProgress(goal({ rule: { kind: 'n-of-m', n: 4 }, activities: acts }))).toBe(0.75);
    expect(goalProgress(goal({ rule: { kind: 'n-of-m', n: 2 }, activities: acts }))).toBe(1);
  });

  test('hours count the hours reported by the completion, else the planned hours, of done activities only', () => {
    const acts = [activity({ status: 'done', hours: 5, completedHours: 3 }), activity({ status: 'done', hours: 4 }), activity({ status: 'awaiting-verification', hours: 10 })];
    expect(doneHours(acts[0]!)).toBe(3);
    expect(doneHours(acts[2]!)).toBe(0);
    expect(goalProgress(goal({ rule: { kind: 'hours', hours: 14 }, activities: acts }))).toBe(0.5);
    expect(goalProgress(goal({ rule: { kind: 'hours', hours: 5 }, activities: acts }))).toBe(1);
  });

  test('an hours rule of zero hours is met only when every activity is done', () => {
    expect(goalProgress(goal({ rule: { kind: 'hours', hours: 0 }, activities: [activity({ status: 'done' }), activity()] }))).toBe(0);
    expect(goalProgress(goal({ rule: { kind: 'hours', hours: 0 }, activities: [activity({ status: 'done' })] }))).toBe(1);
  });

  test('progress is always between 0 and 1', () => {
    fc.assert(
      fc.property(aGoal, (g) => {
        const p = goalProgress(g);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
      }),
    );
  });

  test('finishing one more activity never lowers a goal’s progress', () => {
    fc.assert(
      fc.property(aGoal, fc.nat(), (g, pick) => {
        fc.pre(g.activities.length > 0);
        const before = goalProgress(g);
        const target = g.activities[pick % g.activities.length]!;
        const after = goalProgress({ ...g, activities: g.activities.map((a) => (a === target ? { ...a, status: 'done' } : a)) } as GoalDoc);
        expect(after).toBeGreaterThanOrEqual(before);
      }),
    );
  });
});

describe('plan progress', () => {
  test('is the average of its goals, a completed goal counting in full', () => {
    expect(planProgress(plan())).toBe(0);
    const half = goal({ activities: [activity({ status: 'done' }), activity()] });
    const completed = goal({ status: 'completed', activities: [activity()] } as Partial<GoalDoc>);
    expect(planProgress(plan({ goals: [half, completed] }))).toBe(0.75);
  });

  test('is always between 0 and 1', () => {
    fc.assert(
      fc.property(fc.array(aGoal, { maxLength: MAX_GOALS }), (goals) => {
        const p = planProgress(plan({ goals }));
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('planned load against the caps', () => {
  test('hours and cost are annualised over the plan period', () => {
    const p = plan({ goals: [goal({ activities: [activity({ hours: 30, cost: 1000 }), activity({ hours: 10, cost: 200 })] })] });
    const totals = planTotals(p, caps);
    expect(totals).toMatchObject({ hours: 40, cost: 1200, years: 2, hoursPerYear: 20, costPerYear: 600, caps, problems: [] });
  });

  test('over the cost cap, over the hours cap and under the minimum each say by how much', () => {
    const over = plan({ periodEnd: new Date('2026-01-01T00:00:00Z'), goals: [goal({ activities: [activity({ hours: 70, cost: 1600.5 })] })] });
    expect(planTotals(over, caps).problems).toEqual([
      { cap: 'maxCostPerYear', message: 'The plan costs $1,600.50 a year, over the cost cap of $1,500.00 a year by $100.50.' },
      { cap: 'maxHoursPerYear', message: 'The plan has 70 h a year, over the hours cap of 60 h a year by 10 h.' },
    ]);
    const under = plan({ periodEnd: new Date('2026-01-01T00:00:00Z'), goals: [goal({ activities: [activity({ hours: 7.5, cost: 0 })] })] });
    expect(planTotals(under, caps).problems).toEqual([{ cap: 'minHoursPerYear', message: 'The plan has 7.5 h a year, under the required minimum of 10 h a year by 2.5 h.' }]);
  });

  test('exactly at a cap is within it', () => {
    const p = plan({ periodEnd: new Date('2026-01-01T00:00:00Z'), goals: [goal({ activities: [activity({ hours: 60, cost: 1500 })] })] });
    expect(planTotals(p, caps).problems).toEqual([]);
    expect(planTotals(plan({ periodEnd: new Date('2026-01-01T00:00:00Z'), goals: [goal({ activities: [activity({ hours: 10, cost: 0 })] })] }), caps).problems).toEqual([]);
  });

  test('a plan with no problems is within every cap, and one over a cap always says so', () => {
    const months = fc.integer({ min: 1, max: 60 });
    const acts = fc.array(fc.record({ hours: fc.integer({ min: 0, max: 200 }), cost: fc.integer({ min: 0, max: 10_000 }) }), { maxLength: 10 });
    const someCaps = fc.record({ maxCostPerYear: fc.integer({ min: 0, max: 5000 }), maxHoursPerYear: fc.integer({ min: 1, max: 200 }), minHoursPerYear: fc.integer({ min: 0, max: 50 }) });
    fc.assert(
      fc.property(months, acts, someCaps, (m, list, c) => {
        const start = new Date('2025-01-01T00:00:00Z');
        const totals = planTotals(plan({ periodStart: start, periodEnd: addMonths(start, m), goals: [goal({ activities: list.map((a) => activity(a)) })] }), c);
        const years = m / 12;
        const hours = list.reduce((s, a) => s + a.hours, 0);
        const cost = list.reduce((s, a) => s + a.cost, 0);
        const flagged = new Set(totals.problems.map((p) => p.cap));
        expect(flagged.has('maxCostPerYear')).toBe(cost / years > c.maxCostPerYear);
        expect(flagged.has('maxHoursPerYear')).toBe(hours / years > c.maxHoursPerYear);
        expect(flagged.has('minHoursPerYear')).toBe(hours / years < c.minHoursPerYear);
        expect(totals.hours).toBeCloseTo(hours, 1);
        expect(totals.years).toBeCloseTo(years, 2);
      }),
    );
  });

  test('a period counts whole calendar months, at least one', () => {
    expect(monthsBetween(new Date('2025-01-15T00:00:00Z'), new Date('2025-07-01T00:00:00Z'))).toBe(6);
    expect(monthsBetween(new Date('2025-01-15T00:00:00Z'), new Date('2025-01-20T00:00:00Z'))).toBe(1);
    expect(monthsBetween(new Date('2025-03-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z'))).toBe(1);
    expect(addMonths(new Date('2025-01-15T00:00:00Z'), 24).toISOString()).toBe('2027-01-15T00:00:00.000Z');
  });

  test('amounts are rounded to cents and shown as money', () => {
    expect(round(1.005 + 0.001)).toBe(1.01);
    expect(round(12.345, 1)).toBe(12.3);
    expect(money(1234.5)).toBe('$1,234.50');
  });

  test('the caps a plan keeps are the period and the three limits of the policy, nothing else', () => {
    expect(capsOf(policy)).toEqual({ planMonths: 24, ...caps });
  });
});

describe('reviews', () => {
  const active = (fields: Partial<PlanDoc> = {}) => plan({ status: 'active', periodStart: new Date('2025-01-01T00:00:00Z'), periodEnd: new Date('2027-01-01T00:00:00Z'), ...fields });
  const review = (kind: 'annual' | 'final') => ({ kind }) as PlanDoc['reviews'][number];

  test('a plan that is not running owes no review', () => {
    for (const status of PLAN_STATUSES.filter((s) => s !== 'active')) {
      expect(reviewDue(active({ status }), new Date('2026-12-31T00:00:00Z'))).toBeUndefined();
      expect(nextReview(active({ status }), new Date('2026-12-31T00:00:00Z'))).toBeUndefined();
    }
  });

  test('the annual review is due twelve months in, the final one thirty days before the end', () => {
    const p = active();
    expect(reviewDue(p, new Date('2025-12-31T00:00:00Z'))).toBeUndefined();
    expect(nextReview(p, new Date('2025-12-31T00:00:00Z'))).toEqual({ kind: 'annual', dueAt: new Date('2026-01-01T00:00:00Z') });
    expect(reviewDue(p, new Date('2026-01-01T00:00:00Z'))).toEqual({ kind: 'annual', dueAt: new Date('2026-01-01T00:00:00Z') });
    expect(reviewDue(active({ reviews: [review('annual')] }), new Date('2026-06-01T00:00:00Z'))).toBeUndefined();
    expect(nextReview(active({ reviews: [review('annual')] }), new Date('2026-06-01T00:00:00Z'))).toEqual({ kind: 'final', dueAt: new Date('2026-12-02T00:00:00Z') });
  });

  test('once the end is near the final review is the one due, even with the annual one not written', () => {
    expect(reviewDue(active(), new Date('2026-12-10T00:00:00Z'))?.kind).toBe('final');
  });

  test('a plan of a year or less has no annual review, only the final one', () => {
    const short = active({ periodEnd: new Date('2026-01-01T00:00:00Z') });
    expect(nextReview(short, new Date('2025-02-01T00:00:00Z'))).toEqual({ kind: 'final', dueAt: new Date('2025-12-02T00:00:00Z') });
    expect(nextReview(active({ periodEnd: new Date('2026-01-01T00:00:00Z'), reviews: [review('final')] }), new Date('2025-02-01T00:00:00Z'))).toBeUndefined();
  });

  test('the review written now is the due one, else the final one near the end, else the annual one', () => {
    expect(reviewKindNow(active(), new Date('2025-06-01T00:00:00Z'))).toBe('annual');
    expect(reviewKindNow(active({ reviews: [review('annual')] }), new Date('2026-12-05T00:00:00Z'))).toBe('final');
    expect(reviewKindNow(active({ status: 'in-review', reviews: [review('annual'), review('final')] }), new Date('2026-12-05T00:00:00Z'))).toBe('final');
  });

  test('a due review is never in the future, and the next one is never one already written', () => {
    const day = 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: -400, max: 2000 }), fc.subarray(['annual', 'final'] as const), (months, offset, done) => {
        const start = new Date('2025-01-01T00:00:00Z');
        const p = active({ periodStart: start, periodEnd: addMonths(start, months), reviews: done.map(review) });
        const now = new Date(start.getTime() + offset * day);
        const due = reviewDue(p, now);
        if (due) expect(due.dueAt.getTime()).toBeLessThanOrEqual(now.getTime());
        const next = nextReview(p, now);
        if (next) expect(done).not.toContain(next.kind);
        if (!done.includes('final')) expect(next).toBeDefined();
      }),
    );
  });

  test('every plan status has words', () => {
    for (const status of PLAN_STATUSES) expect(STATUS_LABELS[status]).toEqual(expect.any(String));
  });

  test('today is the start of the current UTC day', () => {
    const d = today();
    expect(d.getUTCHours() + d.getUTCMinutes() + d.getUTCSeconds() + d.getUTCMilliseconds()).toBe(0);
    expect(Date.now() - d.getTime()).toBeLessThan(86_400_000);
  });
});

describe('what may change when', () => {
  test('a plan in another status is refused, naming the statuses that allow it', () => {
    expect(() => requireStatus(plan({ status: 'submitted' }), ['draft', 'returned'], 'add goals')).toThrow(new Conflict('This plan is submitted; you can add goals only while it is draft or returned.'));
    expect(() => requireStatus(plan({ status: 'returned' }), ['draft', 'returned'], 'add goals')).not.toThrow();
  });

  test('a goal assigned by the PD office cannot be changed by the teacher', () => {
    expect(() => requireOwnGoal(goal({ origin: { kind: 'pathway' } } as Partial<GoalDoc>), 'remove it')).toThrow(Conflict);
    expect(() => requireOwnGoal(goal({ origin: { kind: 'carried' } } as Partial<GoalDoc>), 'remove it')).not.toThrow();
  });

  test('a plan takes at most five goals', () => {
    const goals = (n: number) => Array.from({ length: n }, () => goal());
    expect(() => requireRoomForGoal(plan({ goals: goals(MAX_GOALS - 1) }))).not.toThrow();
    expect(() => requireRoomForGoal(plan({ goals: goals(MAX_GOALS) }))).toThrow(Invalid);
  });
});

describe('what a submission lacks', () => {
  const ready = () => plan({ commitment: { agreed: true, text: 'Two hours a week', at: new Date() }, goals: [goal({ activities: [activity({ hours: 30, cost: 500 })] })] } as Partial<PlanDoc>);

  test('a plan with goals, activities, a commitment and within the caps can go', () => {
    expect(submitProblems(ready(), policy)).toEqual([]);
  });

  test('an empty plan needs a goal and the commitment', () => {
    expect(submitProblems(plan(), policy)).toEqual(['Add at least one goal.', 'Agree to the time commitment.', 'The plan has 0 h a year, under the required minimum of 10 h a year by 10 h.']);
  });

  test('each goal needs activities enough for its rule, named by its place in the plan', () => {
    const p = ready();
    p.goals.push(goal({ activities: [] }), goal({ rule: { kind: 'n-of-m', n: 3 }, activities: [activity({ hours: 1 }), activity({ hours: 1 })] }), goal({ rule: { kind: 'hours', hours: 10 }, activities: [activity({ hours: 1 })] }));
    expect(submitProblems(p, policy)).toEqual(['Goal 2 has no activities yet.', 'Goal 3 asks for 3 activities but lists 2 activities.', 'Goal 4 asks for 10 hours but its activities add up to fewer.']);
  });

  test('more than five goals, and being over a cap, are named', () => {
    const p = ready();
    p.goals = Array.from({ length: MAX_GOALS + 1 }, () => goal({ activities: [activity({ hours: 10, cost: 600 })] }));
    expect(submitProblems(p, policy)).toEqual([`A plan has at most ${MAX_GOALS} goals.`, 'The plan costs $1,800.00 a year, over the cost cap of $1,500.00 a year by $300.00.']);
  });
});

describe('where a new goal can go', () => {
  test('no plan: start one; a draft or returned plan: add; an approved plan: propose', () => {
    expect(goalOpening(null)).toEqual({ kind: 'start' });
    expect(goalOpening(plan({ status: 'draft' })).kind).toBe('add');
    expect(goalOpening(plan({ status: 'returned' })).kind).toBe('add');
    expect(goalOpening(plan({ status: 'active' })).kind).toBe('propose');
  });

  test('a plan waiting for approval, in review or ended takes no goal, and says what to do', () => {
    const reason = (status: PlanDoc['status']) => {
      const opening = goalOpening(plan({ status }));
      return opening.kind === 'closed' ? opening.reason : '';
    };
    expect(reason('submitted')).toMatch(/waiting for approval/);
    expect(reason('in-review')).toMatch(/continue it or renew it first/);
    expect(reason('completed')).toBe('Your plan has ended: start your next plan to add goals.');
    expect(reason('closed')).toBe('Your plan has ended: start your next plan to add goals.');
  });

  test('an approved plan with changes waiting for approval takes no goal until the approver decides', () => {
    const p = plan({ status: 'active', change: { status: 'submitted', changes: [] } as unknown as PlanDoc['change'] });
    expect(goalOpening(p)).toMatchObject({ kind: 'closed', reason: expect.stringMatching(/proposed changes are waiting/) });
  });

  test('a full plan takes no goal; on an approved plan the proposed goals count too', () => {
    const five = Array.from({ length: MAX_GOALS }, () => goal());
    expect(goalOpening(plan({ goals: five }))).toMatchObject({ kind: 'closed', reason: expect.stringMatching(/remove one before adding another/) });
    const proposed = plan({ status: 'active', goals: five.slice(1), change: { status: 'open', changes: [addGoalChange(goal())] } as unknown as PlanDoc['change'] });
    expect(plannedGoals(proposed)).toHaveLength(MAX_GOALS);
    expect(goalOpening(proposed)).toMatchObject({ kind: 'closed', reason: expect.stringMatching(/propose removing one/) });
    expect(plannedGoals(plan({ goals: five.slice(1), change: proposed.change }))).toHaveLength(MAX_GOALS - 1);
  });

  test('a team goal is refused for the same reasons', () => {
    expect(teamGoalBlocker(null)).toBeUndefined();
    expect(teamGoalBlocker(plan({ status: 'active' }))).toBeUndefined();
    expect(teamGoalBlocker(plan({ status: 'submitted' }))).toMatch(/waiting for approval/);
  });

  test('a new goal is found in the plan, else among the proposed changes', () => {
    const added = goal();
    const proposed = goal();
    const p = plan({ goals: [added], change: { status: 'open', changes: [addGoalChange(proposed)] } as unknown as PlanDoc['change'] });
    expect(newGoalIn(p, added._id)).toEqual({ goal: added, proposed: false });
    expect(newGoalIn(p, String(proposed._id))).toEqual({ goal: proposed, proposed: true });
    expect(newGoalIn(p, id())).toBeUndefined();
  });
});

describe('new goals and what a renewed plan carries over', () => {
  test('a new goal is open, at 0%, completed by every activity, and the teacher’s own', () => {
    const g = newGoal({ statement: 'Plan lessons together' });
    expect(g).toMatchObject({ statement: 'Plan lessons together', rule: { kind: 'all' }, origin: { kind: 'teacher' }, status: 'open', progress: 0, activities: [], reflections: [], feedback: [] });
    expect(newGoal({})._id.equals(g._id)).toBe(false);
  });

  test('a catalog activity is copied with its hours, cost and schedule, required and not started', () => {
    const catalogId = id();
    const a = fromCatalog({ _id: catalogId, title: 'Reading workshop', kind: 'workshop', hours: 6, cost: 80, certificateRequired: true, schedule: { startsOn: new Date('2025-03-01'), endsOn: null } } as never);
    expect(a).toMatchObject({ activityId: catalogId, title: 'Reading workshop', kind: 'workshop', hours: 6, cost: 80, certificateRequired: true, plannedStart: new Date('2025-03-01'), plannedEnd: undefined, required: true, status: 'not-started', evidence: [] });
    expect(fromCatalog({ _id: catalogId, title: 'x', kind: 'course', hours: 1, cost: 0 } as never, { required: false }).required).toBe(false);
  });

  test('a carried goal keeps its unfinished activities and their evidence but the rejected, under new ids', () => {
    const verified = { _id: id(), status: 'verified' };
    const rejected = { _id: id(), status: 'rejected' };
    const open = activity({ status: 'in-progress', evidence: [verified, rejected] as never });
    const original = goal({ rule: { kind: 'n-of-m', n: 1 }, origin: { kind: 'pathway', assignmentKey: 'k1' }, activities: [activity({ status: 'done' }), open] } as Partial<GoalDoc>);
    const carried = carriedGoal(original);
    expect(carried._id.equals(original._id)).toBe(false);
    expect(carried.origin).toMatchObject({ kind: 'carried', fromGoalId: original._id, assignmentKey: 'k1' });
    expect(carried.activities).toHaveLength(1);
    expect(carried.activities[0]!._id.equals(open._id)).toBe(false);
    expect(carried.activities[0]!.evidence).toEqual([verified]);
    expect(carried).toMatchObject({ status: 'open', progress: 0, rule: { kind: 'n-of-m', n: 1 } });
  });
});

describe('completing activities', () => {
  const at = new Date('2025-05-01T00:00:00Z');

  test('the first completion is recorded with its source, event and hours; later ones change nothing', () => {
    const eventId = id();
    const a = activity();
    expect(markComplete(a, { completedAt: at, source: 'lms', eventId, hours: 4 })).toBe(true);
    expect(a).toMatchObject({ status: 'done', completedAt: at, source: 'lms', completionEventId: eventId, completedHours: 4 });
    expect(markComplete(a, { completedAt: new Date(), source: 'csv', hours: 9 })).toBe(false);
    expect(a).toMatchObject({ completedAt: at, source: 'lms', completedHours: 4 });
  });

  test('an activity needing a certificate waits for verification, and a verified certificate finishes it', () => {
    const a = activity({ certificateRequired: true });
    expect(markComplete(a, { completedAt: at, source: 'lms' })).toBe(true);
    expect(a.status).toBe('awaiting-verification');
    expect(markComplete(a, { completedAt: new Date(), source: 'csv' })).toBe(false);
    expect(markComplete(a, { completedAt: new Date(), source: 'evidence', certified: true })).toBe(true);
    expect(a).toMatchObject({ status: 'done', completedAt: at, source: 'lms' });
    const alreadyVerified = activity({ certificateRequired: true, evidence: [{ status: 'verified' }] as never });
    markComplete(alreadyVerified, { completedAt: at, source: 'lms' });
    expect(alreadyVerified.status).toBe('done');
  });

  test('a completion never undoes one, whatever state the activity was in', () => {
    fc.assert(
      fc.property(anActivity, fc.boolean(), fc.boolean(), (a, certificateRequired, certified) => {
        const before = { ...a, certificateRequired };
        const after = { ...before };
        markComplete(after, { completedAt: at, source: 'manual', certified });
        if (before.status === 'done') expect(after).toEqual(before);
        else expect(['done', 'awaiting-verification']).toContain(after.status);
      }),
    );
  });

  test('the same activity is matched in every goal by its catalog id, a custom one by itself', () => {
    const catalogId = id();
    const inOne = activity({ activityId: catalogId });
    const inTwo = activity({ activityId: catalogId });
    const custom = activity();
    expect([inOne, inTwo, custom].map(sameActivity(inOne))).toEqual([true, true, false]);
    expect([inOne, custom].map(sameActivity(custom))).toEqual([false, true]);
    expect(catalogOrPlanId(inOne)).toBe(catalogId);
    expect(catalogOrPlanId(custom)).toBe(custom._id);
  });

  test('completing an activity completes it in every goal that holds it and recomputes those goals', () => {
    const catalogId = id();
    const first = goal({ activities: [activity({ activityId: catalogId })] });
    const second = goal({ activities: [activity({ activityId: catalogId, status: 'done' }), activity()] });
    const p = plan({ status: 'active', goals: [first, second] });
    const r = completeMatching(p, (a) => !!a.activityId?.equals(catalogId), { completedAt: at, source: 'lms' });
    expect(r.applied).toEqual([first._id]);
    expect(r.already).toEqual([second._id]);
    expect(r.activities.map((x) => x.goalId)).toEqual([first._id]);
    expect(r.recomputed.completed).toEqual([first._id]);
    expect(first).toMatchObject({ status: 'completed', progress: 1 });
    expect(p.progress).toBe(0.75);
  });

  test('a ledger event that already completed the activity finds it done by itself, not by an earlier completion', () => {
    const catalogId = id();
    const eventId = id();
    const mine = goal({ activities: [activity({ activityId: catalogId, status: 'done', completionEventId: eventId })] });
    const earlier = goal({ activities: [activity({ activityId: catalogId, status: 'done', completionEventId: id() })] });
    const p = plan({ status: 'active', goals: [mine, earlier] });
    const r = completeMatching(p, (a) => !!a.activityId?.equals(catalogId), { completedAt: at, source: 'lms', eventId });
    expect(r).toMatchObject({ applied: [], again: [mine._id], already: [earlier._id] });
    expect(r.activities.map((x) => x.goalId)).toEqual([mine._id]);
    // Without the event's id (a manual or CSV completion) both count as done before.
    expect(completeMatching(p, (a) => !!a.activityId?.equals(catalogId), { completedAt: at, source: 'csv' })).toMatchObject({ again: [], already: [mine._id, earlier._id] });
  });
});

describe('recomputing goals', () => {
  test('only a touched goal whose rule is met completes', () => {
    const touched = goal({ activities: [activity({ status: 'done' })] });
    const untouched = goal({ activities: [activity({ status: 'done' })] });
    const p = plan({ goals: [touched, untouched] });
    const r = recompute(p, [touched._id], false);
    expect(r.completed).toEqual([touched._id]);
    expect(r.progressed).toEqual([touched._id, untouched._id]);
    expect(untouched).toMatchObject({ status: 'open', progress: 1 });
    expect(touched.completedAt).toBeInstanceOf(Date);
    expect(r.planProgressed).toBe(true);
    expect(p.progress).toBe(1);
  });

  test('under a reflection-required policy a goal waits for its reflection', () => {
    const g = goal({ activities: [activity({ status: 'done' })] });
    expect(recompute(plan({ goals: [g] }), [g._id], true).completed).toEqual([]);
    g.reflections.push({ _id: id() } as never);
    expect(recompute(plan({ goals: [g] }), [g._id], true).completed).toEqual([g._id]);
  });

  test('recomputing twice changes nothing the second time', () => {
    fc.assert(
      fc.property(fc.array(aGoal, { maxLength: MAX_GOALS }), fc.boolean(), (goals, gate) => {
        const p = plan({ goals });
        recompute(p, goals.map((g) => g._id), gate);
        const again = recompute(p, goals.map((g) => g._id), gate);
        expect(again).toEqual({ progressed: [], completed: [], planProgressed: false, completedActivities: [] });
        for (const g of p.goals) expect(g.progress).toBeLessThanOrEqual(1);
      }),
    );
  });

  test('ids are kept once each, in first-seen order', () => {
    const [a, b] = [id(), id()];
    expect(uniqueIds([a, b, new Types.ObjectId(a.toHexString()), b])).toEqual([a, b]);
  });
});
