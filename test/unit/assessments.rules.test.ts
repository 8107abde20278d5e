import { Candidate, missesOf, relaxations, selectActivities } from '../../src/assessments/rules';

const activity = (title: string, o: Partial<Candidate> & { mode?: string; timing?: string; selfPaced?: boolean } = {}): Candidate => ({
  title,
  hours: o.hours ?? 6,
  cost: o.cost ?? 0,
  format: { mode: o.mode ?? 'online', timing: o.timing ?? 'async' },
  schedule: { selfPaced: o.selfPaced ?? false },
  targetLevel: 'targetLevel' in o ? o.targetLevel : 3,
  competencies: o.competencies ?? ['ASMT1'],
} as Candidate);

const prefs = { modes: ['online'], timings: ['async'], hoursPerMonth: 3, remainingBudget: 100 };

test('an activity that matches every preference misses nothing; each miss is named with what it would need', () => {
  expect(missesOf(activity('Fits'), prefs, 3)).toEqual([]);
  expect(missesOf(activity('Far', { mode: 'in-person', timing: 'sync', hours: 20, cost: 150, targetLevel: 4 }), prefs, 3)).toEqual([
    { kind: 'mode', mode: 'in-person' },
    { kind: 'timing', timing: 'sync' },
    { kind: 'time', hoursPerMonth: 7 },
    { kind: 'budget', cost: 150 },
    { kind: 'level', level: 4 },
  ]);
  // Self-paced work fits any amount of time; no chosen formats means any format; no budget means any cost.
  expect(missesOf(activity('Long', { hours: 40, selfPaced: true }), { modes: [], timings: [], hoursPerMonth: 1 }, 3)).toEqual([]);
});

test('the fitting activities come first for their level, cheapest first, at most three', () => {
  const pool = [activity('B', { cost: 50 }), activity('A', { cost: 10 }), activity('Any level', { targetLevel: undefined }), activity('C'), activity('D', { cost: 5 })];
  const s = selectActivities('ASMT1', 3, pool, prefs);
  expect(s.fitting.map((a) => a.title)).toEqual(['C', 'D', 'A']);
  expect(s.nearest).toEqual([]);
  expect(s.relax).toEqual([]);
});

test('when nothing fits: the nearest activities, fewest misses first, and which single change lets most in', () => {
  const pool = [
    activity('Workshop', { mode: 'in-person' }),
    activity('Lab', { mode: 'in-person', cost: 40 }),
    activity('Institute', { cost: 150 }),
    activity('Summit', { cost: 120 }),
    activity('Course', { hours: 20 }),
    activity('Live and far', { mode: 'blended', timing: 'sync', cost: 300 }),
    activity('Leading', { targetLevel: 4 }),
    activity('Other competency', { competencies: ['PLAN1'], mode: 'in-person' }),
  ];
  const s = selectActivities('ASMT1', 3, pool, prefs);
  expect(s.fitting).toEqual([]);
  expect(s.leftOut).toEqual({ atLevel: 6, format: 3, time: 1, budget: 3 });
  expect(s.relax).toEqual([
    { kind: 'mode', value: 'in-person', count: 2 },
    { kind: 'budget', value: 150, count: 2 },
    { kind: 'time', value: 7, count: 1 },
  ]);
  // One miss each; the other level comes after activities at the right level; then cheapest.
  expect(s.nearest.map((n) => n.activity.title)).toEqual(['Workshop', 'Course', 'Lab']);
});

test('a change that needs more hours than anyone may give is not offered; several misses are no single change', () => {
  expect(relaxations([[{ kind: 'time', hoursPerMonth: 90 }], [{ kind: 'mode', mode: 'blended' }, { kind: 'budget', cost: 9 }], [{ kind: 'level', level: 4 }]])).toEqual([]);
});

test('with no activity for the competency at all there is nothing near and nothing to relax', () => {
  expect(selectActivities('GROW2', 3, [activity('Elsewhere')], prefs)).toEqual({ fitting: [], leftOut: { atLevel: 0, format: 0, time: 0, budget: 0 }, nearest: [], relax: [] });
});
