import * as catalog from '../catalog/service';
import { CompetencyView, FrameworkView, LEVEL_NAMES } from '../frameworks/service';
import { FieldErrors } from '../kernel/errors';
import { count, isoDate, money } from '../web/format';
import { AssessmentDoc, DEFAULT_TARGET, LevelSource, Miss, MODE_WORDS, ObservationDoc, PLANNING_MONTHS, Preferences, Recommendation, Relaxation } from './service';

type Levels = Map<string, { level: number; source: LevelSource }>;
type Person = { _id: unknown; name?: string | null; aliases?: { email?: string | null } | null };

export function levelText(level: number | null | undefined): string {
  return level ? `${level} · ${LEVEL_NAMES[level - 1]}` : 'Not rated';
}

const MODE_CHOICES = catalog.FORMAT_MODES.map((v) => ({ value: v, label: { online: 'Online', 'in-person': 'In person', blended: 'Blended' }[v] }));
const TIMING_CHOICES = catalog.FORMAT_TIMINGS.map((v) => ({ value: v, label: v === 'sync' ? 'Live sessions (sync)' : 'On my own time (async)' }));

/** Competencies grouped under their domains, in framework order. */
function byDomain<T extends { competency: CompetencyView }>(fw: FrameworkView, rows: T[]) {
  return fw.domains
    .map((d) => ({ code: d.code, name: d.name, rows: rows.filter((r) => r.competency.domain === d.code) }))
    .filter((d) => d.rows.length);
}

export interface AssessmentFormValues {
  level: Record<string, string>;
  target: Record<string, string>;
  interests: string[];
  modes: string[];
  timings: string[];
  hoursPerMonth: string;
  notes: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const strings = (v: unknown) => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
const record = (v: unknown) => Object.fromEntries(Object.entries(v && typeof v === 'object' ? v : {}).map(([k, x]) => [k, str(x)]));

export function valuesFromForm(body: Record<string, unknown>): AssessmentFormValues {
  return {
    level: record(body.level),
    target: record(body.target),
    interests: strings(body.interests),
    modes: strings(body.modes),
    timings: strings(body.timings),
    hoursPerMonth: str(body.hoursPerMonth),
    notes: str(body.notes),
  };
}

/** The latest assessment as the starting point of a new one; empty for a first assessment. */
export function valuesFromAssessment(doc: AssessmentDoc | null): AssessmentFormValues {
  const ratings = doc?.ratings ?? [];
  return {
    level: Object.fromEntries(ratings.map((r) => [r.competency, String(r.level)])),
    target: Object.fromEntries(ratings.filter((r) => r.target).map((r) => [r.competency, String(r.target)])),
    interests: [...(doc?.interests ?? [])],
    modes: [...(doc?.formats?.modes ?? [])],
    timings: [...(doc?.formats?.timings ?? [])],
    hoursPerMonth: doc ? String(doc.hoursPerMonth) : '',
    notes: doc?.notes ?? '',
  };
}

const TARGET_CHOICES = [2, 3, 4].map((l) => ({ value: String(l), label: `${LEVEL_NAMES[l - 1]}${l === DEFAULT_TARGET ? ' (usual goal)' : ''}` }));

export function assessmentForm(fw: FrameworkView, values: AssessmentFormValues, errors: FieldErrors = {}) {
  const rows = fw.competencies.map((competency) => ({
    competency,
    levels: competency.levels.map((descriptor, i) => ({ value: String(i + 1), name: LEVEL_NAMES[i], descriptor })),
    chosen: values.level[competency.code] ?? '',
    target: values.target[competency.code] || String(DEFAULT_TARGET),
    interest: values.interests.includes(competency.code),
  }));
  return {
    framework: { name: fw.name },
    domains: byDomain(fw, rows),
    values,
    errors,
    errorCount: Object.keys(errors).length,
    targetChoices: TARGET_CHOICES,
    modeChoices: MODE_CHOICES,
    timingChoices: TIMING_CHOICES,
  };
}

function preferencesText(doc: AssessmentDoc) {
  const modes = doc.formats?.modes ?? [];
  const timings = doc.formats?.timings ?? [];
  return {
    formats: modes.length ? MODE_CHOICES.filter((m) => modes.includes(m.value)).map((m) => m.label).join(', ') : 'Any format',
    timings: timings.length ? TIMING_CHOICES.filter((t) => timings.includes(t.value)).map((t) => t.label).join(', ') : 'Any timing',
    hours: `${doc.hoursPerMonth} h per month`,
  };
}

/** One assessment with the current levels; notes only for the teacher and their coaches. */
export function assessmentResult(doc: AssessmentDoc, fw: FrameworkView, current: Levels, opts: { showNotes: boolean; isLatest: boolean }) {
  const self = new Map(doc.ratings.map((r) => [r.competency, r]));
  const interests = new Set(doc.interests);
  const rows = fw.competencies.map((competency) => {
    const rating = self.get(competency.code);
    const now = current.get(competency.code);
    return {
      competency,
      self: levelText(rating?.level),
      target: levelText(rating?.target ?? DEFAULT_TARGET),
      current: opts.isLatest && now ? `${levelText(now.level)}${now.source === 'coach' ? ' (coach observation)' : ''}` : '',
      interest: interests.has(competency.code),
    };
  });
  return {
    id: String(doc._id),
    takenOn: isoDate(doc.takenAt),
    isLatest: opts.isLatest,
    domains: byDomain(fw, rows),
    interests: fw.competencies.filter((c) => interests.has(c.code)).map((c) => c.name),
    preferences: preferencesText(doc),
    notes: opts.showNotes ? doc.notes || '' : undefined,
  };
}

export function historyRows(docs: AssessmentDoc[]) {
  return docs.map((d) => ({ id: String(d._id), takenOn: isoDate(d.takenAt) }));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Why no activity was suggested for a competency, in plain words. */
function leftOutText(rec: Recommendation, doc: AssessmentDoc, remainingBudget: number | undefined): string {
  const next = rec.currentLevel + 1;
  const level = `${LEVEL_NAMES[next - 1]} (level ${next})`;
  if (!rec.leftOut.atLevel) return `The catalog has no activity for ${rec.competency.name} that builds toward ${level} yet. Your coach or PD office can suggest one.`;
  const parts: string[] = [];
  if (rec.leftOut.format) parts.push(`${plural(rec.leftOut.format, 'is', 'are')} not in the formats you chose (${preferencesText(doc).formats.toLowerCase()}; ${preferencesText(doc).timings.toLowerCase()})`);
  if (rec.leftOut.time) parts.push(`${plural(rec.leftOut.time, 'takes', 'take')} more than your ${doc.hoursPerMonth * PLANNING_MONTHS} h over the next ${PLANNING_MONTHS} months`);
  if (rec.leftOut.budget && remainingBudget !== undefined) parts.push(`${plural(rec.leftOut.budget, 'costs', 'cost')} more than your remaining ${money(remainingBudget)}`);
  return `${plural(rec.leftOut.atLevel, 'activity builds', 'activities build')} toward ${level}, but none fits: ${parts.join('; ')}. Changing your preferences in the assessment may help.`;
}

const TIMING_WORDS: Record<string, string> = { sync: 'live sessions', async: 'learning on your own time' };
const either = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`);

/** What keeps a near match out, in the teacher's terms. */
function missText(m: Miss, p: Preferences): string {
  switch (m.kind) {
    case 'mode':
      return `${MODE_WORDS[m.mode] ?? m.mode}; you chose ${either(p.modes.map((x) => MODE_WORDS[x] ?? x))}`;
    case 'timing':
      return `${TIMING_WORDS[m.timing] ?? m.timing}; you chose ${either(p.timings.map((x) => TIMING_WORDS[x] ?? x))}`;
    case 'time':
      return `needs about ${m.hoursPerMonth} h a month; you have ${p.hoursPerMonth} h`;
    case 'budget':
      return `${money(m.cost)}; ${money(p.remainingBudget ?? 0)} is left in your budget`;
    case 'level':
      return `aimed at ${LEVEL_NAMES[m.level - 1]} (level ${m.level})`;
  }
}

/** Which one preference to change, and how many activities that would let in. */
function relaxText(r: Relaxation, p: Preferences): string {
  const fit = `${count(r.count, 'activity', 'activities')} ${r.count === 1 ? 'fits' : 'fit'}`;
  switch (r.kind) {
    case 'mode':
      return `${fit} if you also allow ${MODE_WORDS[String(r.value)] ?? r.value} learning`;
    case 'timing':
      return `${fit} if you also allow ${TIMING_WORDS[String(r.value)] ?? r.value}`;
    case 'time':
      return `${fit} if you can give ${r.value} h a month (now ${p.hoursPerMonth} h)`;
    case 'budget':
      return `${fit} with ${money(Number(r.value))} left to spend: you have ${money(p.remainingBudget ?? 0)} under your district’s yearly cost cap (an approver can allow an exception)`;
  }
}

function preferencesOf(doc: AssessmentDoc, remainingBudget: number | undefined): Preferences {
  return { modes: doc.formats?.modes ?? [], timings: doc.formats?.timings ?? [], hoursPerMonth: doc.hoursPerMonth, remainingBudget };
}

/** The choices a refused form came back with, so the teacher's ticks are kept. */
export interface KeptChoice {
  competency: string;
  activityIds: string[];
}

export interface GoalChoices {
  /** What the button does: start a plan with the goal, add it, propose it; or why it cannot. */
  opening: { kind: 'start' | 'add' | 'propose' } | { kind: 'closed'; reason: string };
  inPlan: string[];
  kept?: KeptChoice;
}

const BUTTONS = { start: 'Start my plan with this goal', add: 'Add as goal', propose: 'Propose as a new goal' };

export function recommendationCards(recs: Recommendation[], doc: AssessmentDoc, remainingBudget: number | undefined, choices?: GoalChoices) {
  const p = preferencesOf(doc, remainingBudget);
  return recs.map((rec) => {
    const kept = choices?.kept?.competency === rec.competency.code ? new Set(choices.kept.activityIds) : undefined;
    const choice = (id: string, byDefault: boolean) => (kept ? kept.has(id) : byDefault);
    return {
      code: rec.competency.code,
      name: rec.competency.name,
      domain: rec.competency.domainName,
      current: `${levelText(rec.currentLevel)}${rec.currentSource === 'coach' ? ', from your coach’s observation' : ''}`,
      target: levelText(rec.targetLevel),
      targetLevel: rec.targetLevel,
      why: [rec.need ? `${plural(rec.need, 'level', 'levels')} below your goal` : '', rec.interest ? 'you marked it as an interest' : ''].filter(Boolean).join(' and '),
      activities: rec.activities.map(({ activity, reasons }) => ({ id: String(activity._id), title: activity.title, provider: activity.provider ?? '', reasons, checked: choice(String(activity._id), true) })),
      empty: rec.activities.length ? undefined : leftOutText(rec, doc, remainingBudget),
      nearest: rec.nearest.map(({ activity, misses }) => ({ id: String(activity._id), title: activity.title, provider: activity.provider ?? '', misses: misses.map((m) => missText(m, p)), checked: choice(String(activity._id), false) })),
      relax: rec.relax.map((r) => relaxText(r, p)),
      inPlan: !!choices?.inPlan.includes(rec.competency.code),
    };
  });
}

export function recommendationsPage(recs: Recommendation[], doc: AssessmentDoc, remainingBudget: number | undefined, choices?: GoalChoices) {
  const opening = choices?.opening;
  return {
    takenOn: isoDate(doc.takenAt),
    assessmentId: String(doc._id),
    preferences: preferencesText(doc),
    budget: remainingBudget === undefined ? undefined : money(remainingBudget),
    planningMonths: PLANNING_MONTHS,
    cards: recommendationCards(recs, doc, remainingBudget, choices),
    add: opening && opening.kind !== 'closed' ? { button: BUTTONS[opening.kind], proposes: opening.kind === 'propose' } : undefined,
    closedReason: opening?.kind === 'closed' ? opening.reason : undefined,
  };
}

/** What the teacher reads after adding a recommended goal: what happened, a link to it, and any cap it breaks. */
export function addedGoalConfirmation(planId: string, added: { goal: { _id: unknown; statement: string; activities: unknown[] }; proposed: boolean }, capProblems: string[]) {
  const n = added.goal.activities.length;
  const what = `the goal “${added.goal.statement}” with ${n ? count(n, 'activity', 'activities') : 'no activities yet'}`;
  const caps = capProblems.length ? ` With it, ${capProblems.map((m) => m.charAt(0).toLowerCase() + m.slice(1)).join(' ')} Change the plan before you send it, or ask your approver for an exception.` : '';
  return added.proposed
    ? { text: `You proposed ${what} as a change to your approved plan. It waits until you send your changes for approval; your approved plan stays in force until then.${caps}`, path: `/plans/${planId}`, anchor: '#proposal-title', linkText: 'See your proposed changes' }
    : { text: `Added ${what} to your plan.${caps}`, path: `/plans/${planId}/goals/${String(added.goal._id)}`, anchor: '', linkText: 'Open the goal' };
}

export interface ObservationFormValues {
  level: Record<string, string>;
  note: Record<string, string>;
  notes: string;
  observedOn: string;
}

export function observationValuesFromForm(body: Record<string, unknown>): ObservationFormValues {
  return { level: record(body.level), note: record(body.note), notes: str(body.notes), observedOn: str(body.observedOn) };
}

export const emptyObservation = (): ObservationFormValues => ({ level: {}, note: {}, notes: '', observedOn: new Date().toISOString().slice(0, 10) });

export function observationForm(fw: FrameworkView, teacher: Person, current: Levels, values: ObservationFormValues, errors: FieldErrors = {}) {
  const rows = fw.competencies.map((competency) => ({
    competency,
    levels: competency.levels.map((descriptor, i) => ({ value: String(i + 1), name: LEVEL_NAMES[i], descriptor })),
    chosen: values.level[competency.code] ?? '',
    note: values.note[competency.code] ?? '',
    current: current.has(competency.code) ? levelText(current.get(competency.code)!.level) : 'No rating yet',
  }));
  return { teacher: { id: String(teacher._id), name: teacher.name || 'Unnamed teacher' }, domains: byDomain(fw, rows), values, errors, errorCount: Object.keys(errors).length };
}

export function observationView(o: ObservationDoc, fw: FrameworkView, names: { teacher: string; coach: string }) {
  const byCode = new Map(fw.competencies.map((c) => [c.code, c]));
  return {
    id: String(o._id),
    teacherId: String(o.teacherId),
    teacher: names.teacher,
    coach: names.coach,
    observedOn: isoDate(o.observedOn),
    ratings: o.ratings.map((r) => ({ name: byCode.get(r.competency)?.name ?? r.competency, code: r.competency, level: levelText(r.level), note: r.note ?? '' })),
    notes: o.notes ?? '',
  };
}

export function teacherPanel(doc: AssessmentDoc | null, recs: Recommendation[], hasFramework: boolean) {
  return {
    hasFramework,
    taken: doc ? { id: String(doc._id), takenOn: isoDate(doc.takenAt) } : undefined,
    top: recs.slice(0, 3).map((r) => ({ name: r.competency.name, current: levelText(r.currentLevel), target: levelText(r.targetLevel) })),
  };
}

export function caseloadRows(teachers: Person[], latest: Map<string, { id: string; takenAt: Date }>) {
  return teachers.map((t) => {
    const a = latest.get(String(t._id));
    return { id: String(t._id), name: t.name || t.aliases?.email || 'Unnamed teacher', assessment: a ? { id: a.id, takenOn: isoDate(a.takenAt) } : undefined };
  });
}
