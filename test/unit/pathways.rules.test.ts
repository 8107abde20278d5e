import fc from 'fast-check';
import { Types } from 'mongoose';
import {
  chunkFrom,
  countsBySlugAndVersion,
  emailWarning,
  enrolmentMatch,
  goalFor,
  groupByAssignment,
  hoursRuleProblem,
  latestOfEach,
  markDuplicateLines,
  migrationLine,
  parseDueDate,
  pathwayFinder,
  pathwayProblems,
  pendingToConfirm,
  ruleOf,
  ruleText,
  sameRule,
  slugFrom,
  stepRequired,
  updateSummary,
} from '../../src/pathways/rules';

const hex = () => new Types.ObjectId().toHexString();
const steps = (n: number, required = true) => Array.from({ length: n }, () => ({ activityId: hex(), required }));

describe('completion rules', () => {
  test('"any N of M", hours and "every required step" read as PD staff chose them', () => {
    expect(ruleOf({ ruleKind: 'n-of-m', ruleN: 3 })).toEqual({ kind: 'n-of-m', n: 3 });
    expect(ruleOf({ ruleKind: 'hours', ruleHours: 12.5 })).toEqual({ kind: 'hours', hours: 12.5 });
    expect(ruleOf({ ruleKind: 'all', ruleN: 2 })).toEqual({ kind: 'all' });
    expect(ruleText({ kind: 'n-of-m', n: 3 }, 5)).toBe('Complete any 3 of the 5 steps');
    expect(ruleText({ kind: 'hours', hours: 12 }, 5)).toBe('Complete 12 hours of the steps');
    expect(ruleText({ kind: 'all' }, 5)).toBe('Complete every required step');
    expect(ruleText(undefined, 5)).toBe('Complete every required step');
  });

  test('rules are the same when kind, N and hours are; a missing rule is "every required step"', () => {
    expect(sameRule(undefined, { kind: 'all' })).toBe(true);
    expect(sameRule({ kind: 'n-of-m', n: 2 }, { kind: 'n-of-m', n: 2 })).toBe(true);
    expect(sameRule({ kind: 'n-of-m', n: 2 }, { kind: 'n-of-m', n: 3 })).toBe(false);
    expect(sameRule({ kind: 'hours', hours: 2 }, { kind: 'n-of-m', n: 2 })).toBe(false);
    const rule = fc.oneof(fc.constant({ kind: 'all' as const }), fc.record({ kind: fc.constant('n-of-m' as const), n: fc.integer({ min: 1, max: 5 }) }), fc.record({ kind: fc.constant('hours' as const), hours: fc.integer({ min: 1, max: 5 }) }));
    fc.assert(fc.property(rule, rule, (a, b) => expect(sameRule(a, b)).toBe(sameRule(b, a) && ruleText(a, 5) === ruleText(b, 5))));
  });

  test('under "any N" and hours every step counts; under "every required step" only those ticked', () => {
    expect(stepRequired('all', false)).toBe(false);
    expect(stepRequired('all', true)).toBe(true);
    expect(stepRequired('n-of-m', false)).toBe(true);
    expect(stepRequired('hours', false)).toBe(true);
  });
});

describe('a valid pathway', () => {
  test('"any N of M" needs an N no larger than the number of steps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 10 }), (m, n) => {
        const problems = pathwayProblems({ ruleKind: 'n-of-m', ruleN: n, steps: steps(m) });
        expect(problems.some((p) => p.path[0] === 'ruleN')).toBe(n > m);
      }),
    );
    expect(pathwayProblems({ ruleKind: 'n-of-m', steps: steps(2) })).toEqual([{ path: ['ruleN'], message: 'Enter how many steps complete the pathway' }]);
    expect(pathwayProblems({ ruleKind: 'n-of-m', ruleN: 3, steps: steps(1) })).toEqual([{ path: ['ruleN'], message: 'The pathway has 1 step; choose at most that many' }]);
  });

  test('an hours rule needs its hours, and no more than the steps add up to', () => {
    expect(pathwayProblems({ ruleKind: 'hours', steps: steps(2) })).toEqual([{ path: ['ruleHours'], message: 'Enter how many hours complete the pathway' }]);
    expect(hoursRuleProblem({ ruleKind: 'hours', ruleHours: 10, steps: [1, 2] }, 8)).toBe('The steps add up to 8 h; choose at most that');
    expect(hoursRuleProblem({ ruleKind: 'hours', ruleHours: 8, steps: [1, 2] }, 8)).toBeUndefined();
    expect(hoursRuleProblem({ ruleKind: 'hours', ruleHours: 8, steps: [] }, 0)).toBeUndefined();
    expect(hoursRuleProblem({ ruleKind: 'all', ruleHours: 80, steps: [1] }, 2)).toBeUndefined();
  });

  test('"every required step" needs one ticked step', () => {
    expect(pathwayProblems({ ruleKind: 'all', steps: steps(2, false) })).toEqual([{ path: ['steps'], message: 'Under “every required step” tick Required on at least one step, or choose “any N of the steps”' }]);
    expect(pathwayProblems({ ruleKind: 'all', steps: [] })).toEqual([]);
    expect(pathwayProblems({ ruleKind: 'all', steps: [...steps(1, false), ...steps(1)] })).toEqual([]);
  });

  test('no activity is a step twice: every repeat points at the first (in any letter case)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 10 }), (letters) => {
        const ids = letters.map((l, i) => (i % 2 ? l.repeat(24).toUpperCase() : l.repeat(24)));
        const problems = pathwayProblems({ ruleKind: 'n-of-m', ruleN: 1, steps: ids.map((activityId) => ({ activityId, required: true })) }).filter((p) => p.path[0] === 'steps');
        const repeats = letters.map((l, i) => ({ i, first: letters.indexOf(l) })).filter((x) => x.first !== x.i);
        expect(problems).toEqual(repeats.map((r) => ({ path: ['steps', r.i, 'activityId'], message: `Already step ${r.first + 1}` })));
      }),
    );
  });

  test('a short name comes from the title: lower-case letters, digits and dashes, at most 48', () => {
    expect(slugFrom('Reading  Workshop: Level 2!')).toBe('reading-workshop-level-2');
    expect(slugFrom('?!', 36 ** 3)).toBe('pathway-1000');
    // accents keep their letter (NFKD splits é into e and a combining mark, which is dropped, not dashed)
    expect(slugFrom('Éducation bilingüe: café pédagogique')).toBe('education-bilingue-cafe-pedagogique');
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (title) => {
        const slug = slugFrom(title);
        expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(slug.length).toBeLessThanOrEqual(48);
      }),
    );
  });
});

describe('versions and enrolments', () => {
  test('the list shows each pathway’s latest version and its published one, by title', () => {
    const v = (slug: string, version: number, status: string, title = slug) => ({ _id: new Types.ObjectId(), slug, version, status, title });
    const all = [v('b', 3, 'draft', 'Beta'), v('b', 2, 'published', 'Beta'), v('b', 1, 'superseded', 'Beta'), v('a', 1, 'archived', 'Zeta')];
    const rows = latestOfEach(all);
    expect(rows.map((r) => [r.latest.title, r.latest.version, r.published?.version])).toEqual([['Beta', 3, 2], ['Zeta', 1, undefined]]);
  });

  test('an enrolment’s goal holds the pathway’s steps in order, under its rule', () => {
    const p = { _id: new Types.ObjectId(), slug: 'p', version: 2, status: 'published', title: 'Coaching', competencies: ['C1', 'C2'], targetLevel: 3, rule: { kind: 'n-of-m', n: 1 }, steps: [{ activityId: new Types.ObjectId(), required: null }, { activityId: new Types.ObjectId(), required: false }] };
    const goal = goalFor(p, 'key', undefined);
    expect(goal).toMatchObject({ assignmentKey: 'key', statement: 'Complete the “Coaching” pathway.', competency: 'C1', targetLevel: 3, measure: 'Complete any 1 of the 2 steps', rule: { kind: 'n-of-m', n: 1 }, pathway: { id: p._id, version: 2, title: 'Coaching' } });
    expect(goal.activities).toEqual([{ activityId: p.steps[0]!.activityId, required: true }, { activityId: p.steps[1]!.activityId, required: false }]);
    expect(goalFor({ ...p, rule: null, targetLevel: null }, 'k', undefined)).toMatchObject({ rule: { kind: 'all' }, targetLevel: undefined, measure: 'Complete every required step' });
  });

  test('people are counted per pathway and per version', () => {
    const counts = countsBySlugAndVersion([{ _id: { slug: 'a', version: 1 }, n: 2 }, { _id: { slug: 'a', version: 2 }, n: 3 }, { _id: { slug: 'b', version: 1 }, n: 1 }]);
    expect(Object.fromEntries(counts)).toEqual({ 'a@1': 2, 'a@2': 3, a: 5, 'b@1': 1, b: 1 });
  });

  test('report filters become one query', () => {
    const from = new Date('2026-01-01');
    const to = new Date('2026-02-01');
    const ids = [new Types.ObjectId()];
    expect(enrolmentMatch({})).toEqual({});
    expect(enrolmentMatch({ slug: 's', userIds: ids, from, to })).toEqual({ slug: 's', userId: { $in: ids }, enrolledAt: { $gte: from, $lt: to } });
    expect(enrolmentMatch({ to })).toEqual({ enrolledAt: { $lt: to } });
  });
});

describe('assignment batches', () => {
  const now = new Date('2026-03-15T10:00:00Z');

  test('a due date is a real day, today or later, or absent', () => {
    expect(parseDueDate('', now)).toBeUndefined();
    expect(parseDueDate('   ', now)).toBeUndefined();
    expect(parseDueDate(undefined, now)).toBeUndefined();
    expect(parseDueDate(null, now)).toBeUndefined();
    expect(parseDueDate(' 2026-03-15 ', now)).toEqual(new Date('2026-03-15T00:00:00Z'));
    expect(parseDueDate('2026-03-14', now)).toBe('The due date is in the past');
    for (const bad of ['2026-02-30', '15/03/2026', '2026-3-5', 20260315, ['2026-04-01']]) expect(parseDueDate(bad, now)).toBe('Enter the due date as YYYY-MM-DD');
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (d) => {
        const day = d.toISOString().slice(0, 10);
        const out = parseDueDate(day, now);
        if (day < '2026-03-15') expect(out).toBe('The due date is in the past');
        else expect(out).toEqual(new Date(`${day}T00:00:00Z`));
      }),
    );
  });

  test('a new person’s email at a domain nobody uses is flagged', () => {
    const domains = new Set(['district.org']);
    expect(emailWarning({ email: 'a@distrct.org' }, domains)).toBe('Nobody who uses PD Pathways has an email at distrct.org: check the spelling');
    expect(emailWarning({ email: 'a@district.org' }, domains)).toBeUndefined();
    expect(emailWarning({ email: 'a@x.org' }, new Set())).toBeUndefined();
    expect(emailWarning({}, domains)).toBeUndefined();
  });

  test('a file names a pathway by its short name or its title, in any case', () => {
    const find = pathwayFinder([{ slug: 'reading', title: 'Reading Workshop ' }, { slug: 'math', title: 'Math' }]);
    expect(find(' READING ')?.slug).toBe('reading');
    expect(find('reading workshop')?.slug).toBe('reading');
    expect(find('MATH')?.slug).toBe('math');
    expect(find('science')).toBeUndefined();
  });

  test('the same person and pathway twice is a problem on the later line', () => {
    const u = new Types.ObjectId();
    const lines = [
      { line: 2, problems: [] as string[], userId: u, pathway: { slug: 'a' } },
      { line: 3, problems: [] as string[], userId: u, pathway: { slug: 'b' } },
      { line: 4, problems: [] as string[], person: { name: 'N', email: 'n@x.org' }, pathway: { slug: 'a' } },
      { line: 5, problems: [] as string[], userId: u, pathway: { slug: 'a' } },
      { line: 6, problems: [] as string[], person: { name: 'Other name', email: 'n@x.org' }, pathway: { slug: 'a' } },
      { line: 7, problems: [] as string[], userId: u },
    ];
    markDuplicateLines(lines);
    expect(lines.map((l) => l.problems)).toEqual([[], [], [], ['The same person and pathway are on line 2'], ['The same person and pathway are on line 4'], []]);
  });

  test('lines are grouped into one assignment per pathway and due date', () => {
    const a = { _id: new Types.ObjectId() };
    const b = { _id: new Types.ObjectId() };
    const may = new Date('2026-05-01');
    const { assignments, indexOf } = groupByAssignment([{ pathway: a }, { pathway: b }, { pathway: a, dueAt: may }, { pathway: a }, { pathway: a, dueAt: new Date(may) }]);
    expect(assignments).toEqual([{ pathway: a, dueAt: undefined }, { pathway: b, dueAt: undefined }, { pathway: a, dueAt: may }]);
    expect(indexOf).toEqual([0, 1, 2, 0, 2]);
    fc.assert(
      fc.property(fc.array(fc.record({ p: fc.constantFrom(a, b), d: fc.option(fc.constantFrom(may), { nil: undefined }) }), { maxLength: 20 }), (rows) => {
        const out = groupByAssignment(rows.map((r) => ({ pathway: r.p, dueAt: r.d })));
        rows.forEach((r, i) => expect(out.assignments[out.indexOf[i]!]).toEqual({ pathway: r.p, dueAt: r.d }));
        expect(new Set(out.assignments.map((x) => `${x.pathway._id}|${x.dueAt?.getTime()}`)).size).toBe(out.assignments.length);
      }),
    );
  });

  test('a previewed file with people nobody knows yet needs an explicit yes', () => {
    const csv = { target: { kind: 'csv' } };
    const rows = [{ userId: new Types.ObjectId() }, { userId: null }, {}];
    expect(pendingToConfirm({ status: 'previewed', assignments: [csv], rows })).toBe(2);
    expect(pendingToConfirm({ status: 'running', assignments: [csv], rows })).toBe(0);
    expect(pendingToConfirm({ status: 'previewed', assignments: [{ target: { kind: 'course' } }], rows })).toBe(0);
  });

  test('rows are applied in chunks that cover the batch once, in order', () => {
    expect(chunkFrom(0, 10, 4)).toEqual([0, 1, 2, 3]);
    expect(chunkFrom(8, 10, 4)).toEqual([8, 9]);
    fc.assert(
      fc.property(fc.nat(60), fc.integer({ min: 1, max: 8 }), (total, size) => {
        const seen: number[] = [];
        for (let from = 0; from < total; from += size) seen.push(...chunkFrom(from, total, size));
        expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
      }),
    );
  });
});

describe('moving people to the current version', () => {
  const id = () => new Types.ObjectId();
  const [kept, dropped, open, added] = [id(), id(), id(), id()];
  const titles = new Map([[String(added), 'New step']]);
  const goal = {
    rule: { kind: 'all' },
    activities: [
      { activityId: kept, title: 'Kept', status: 'done' },
      { activityId: dropped, title: 'Dropped', status: 'done' },
      { activityId: open, title: 'Open', status: 'planned' },
      { title: 'Own activity', status: 'done' },
    ],
  } as unknown as Parameters<typeof migrationLine>[2];

  test('says which steps come and go, which completions still count and how the rule changes', () => {
    const line = migrationLine({ version: 1 }, 'Ana', goal, { steps: [{ activityId: kept }, { activityId: added }], rule: { kind: 'n-of-m', n: 1 } }, titles);
    expect(line).toMatchObject({ name: 'Ana', fromVersion: 1, inPlan: true, added: ['New step'], removed: ['Dropped', 'Open'], keptCompletions: 1, lostCompletions: ['Dropped'], ruleChange: 'Complete every required step → Complete any 1 of the 2 steps' });
    expect(updateSummary(line)).toBe('New steps: New step. No longer part of it: Dropped, Open. 1 finished step still counts.');
  });

  test('someone whose goal is not in their current plan has nothing to move', () => {
    expect(migrationLine({ version: 1 }, 'Ben', undefined, { steps: [{ activityId: kept }] }, titles)).toMatchObject({ inPlan: false, added: [], removed: [], keptCompletions: 0 });
    expect(updateSummary({ added: [], removed: [], keptCompletions: 0 })).toBe('Its steps are unchanged.');
    expect(updateSummary({ added: [], removed: [], keptCompletions: 2 })).toBe('2 finished steps still count.');
  });

  test('the same steps and rule change nothing', () => {
    const line = migrationLine({ version: 1 }, 'Cy', goal, { steps: [{ activityId: kept }, { activityId: dropped }, { activityId: open }], rule: { kind: 'all' } }, titles);
    expect(line).toMatchObject({ added: [], removed: [], keptCompletions: 2, lostCompletions: [] });
    expect(line.ruleChange).toBeUndefined();
  });
});
