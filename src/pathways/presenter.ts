import { Types } from 'mongoose';
import { isoDate, money } from '../web/format';
import type { ActivityDoc } from '../catalog/service';
import type { CompetencyView } from '../frameworks/service';
import { LEVEL_NAMES } from '../frameworks/service';
import type { GoalDoc } from '../plans/service';
import { FieldErrors } from '../kernel/errors';
import { AssignmentBatchDoc, EnrolmentDoc, MigrationLine, PathwayDoc, PathwayRule, ruleText } from './service';

const STATUS_LABELS: Record<string, { label: string; tone: string }> = {
  draft: { label: 'Draft', tone: 'warn' },
  published: { label: 'Published', tone: 'ok' },
  superseded: { label: 'Earlier version', tone: '' },
  archived: { label: 'Archived', tone: 'bad' },
};

const hours = (n: number) => `${Math.round(n * 10) / 10} h`;
const cost = (n: number) => (n === 0 ? 'Free' : money(n));

export function statusBadge(status: string) {
  return STATUS_LABELS[status] ?? { label: status, tone: '' };
}

/** A row of PD staff's pathway list: the latest version, what is published and who is on it. */
export function pathwayRow(latest: PathwayDoc, published: PathwayDoc | undefined, people: number) {
  return {
    id: String(latest._id),
    publishedId: published ? String(published._id) : undefined,
    title: latest.title,
    version: latest.version,
    status: statusBadge(latest.status),
    publishedVersion: published?.version,
    steps: latest.steps.length,
    hours: hours(latest.estimatedHours ?? 0),
    cost: cost(latest.estimatedCost ?? 0),
    selfEnrol: !!latest.selfEnrol,
    people,
  };
}

/** A published pathway as teachers browse it. */
export function pathwayCard(p: PathwayDoc, enrolled: boolean) {
  return { id: String(p._id), title: p.title, summary: p.summary ?? '', steps: p.steps.length, hours: hours(p.estimatedHours ?? 0), cost: cost(p.estimatedCost ?? 0), selfEnrol: !!p.selfEnrol, enrolled };
}

export interface StepView {
  activityId: string;
  title: string;
  required: boolean;
  label: string;
  hours: string;
  cost: string;
  status?: string;
}

/** What a step's badge says: "Required"/"Elective" only mean something under "every required step". */
export function stepLabel(rule: PathwayRule | undefined | null, required: boolean): string {
  if (rule?.kind === 'n-of-m') return 'Choice';
  if (rule?.kind === 'hours') return 'Counts toward the hours';
  return required ? 'Required' : 'Elective';
}

function stepRows(steps: { activity: ActivityDoc; required: boolean }[], rule: PathwayRule | undefined): StepView[] {
  return steps.map(({ activity, required }) => ({ activityId: String(activity._id), title: activity.title, required, label: stepLabel(rule, required), hours: hours(activity.hours), cost: cost(activity.cost) }));
}

/** The pathway page: its steps, what it builds and how it is completed. */
export function pathwayPage(p: PathwayDoc, steps: { activity: ActivityDoc; required: boolean }[], competencies: Map<string, CompetencyView>, achievement?: string) {
  return {
    id: String(p._id),
    slug: p.slug,
    title: p.title,
    summary: p.summary ?? '',
    version: p.version,
    status: p.status,
    badge: statusBadge(p.status),
    competencies: p.competencies.map((code) => ({ code, name: competencies.get(code)?.name ?? code })),
    level: p.targetLevel ? `${LEVEL_NAMES[p.targetLevel - 1]} (level ${p.targetLevel})` : '',
    rule: ruleText(p.rule as PathwayRule, p.steps.length),
    steps: stepRows(steps, p.rule as PathwayRule),
    hours: hours(p.estimatedHours ?? 0),
    cost: cost(p.estimatedCost ?? 0),
    selfEnrol: !!p.selfEnrol,
    achievement,
    publishedAt: isoDate(p.publishedAt),
  };
}

export function versionRows(versions: PathwayDoc[], counts: Map<string, number>) {
  return versions.map((v) => ({ id: String(v._id), version: v.version, status: statusBadge(v.status), publishedAt: isoDate(v.publishedAt), people: counts.get(`${v.slug}@${v.version}`) ?? 0 }));
}

// ---------------------------------------------------------------------------------------------
// The pathway form

export interface StepFormRow {
  activityId: string;
  required: boolean;
}

export interface PathwayFormValues {
  title: string;
  summary: string;
  competencies: string[];
  targetLevel: string;
  steps: StepFormRow[];
  ruleKind: string;
  ruleN: string;
  ruleHours: string;
  achievementId: string;
  selfEnrol: boolean;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
const ticked = (v: unknown) => v === 'on' || v === 'true' || v === true;

interface RawStep {
  activityId?: unknown;
  required?: unknown;
}

/**
 * The steps of a posted form: rows with an activity, in form order; formIndex maps each kept step
 * back to its form row (an empty row is ignored).
 */
export function stepsFromForm(rawSteps: unknown): { steps: { activityId: string; required: boolean }[]; formIndex: number[] } {
  const rows = (Array.isArray(rawSteps) ? rawSteps : []) as (RawStep | undefined)[];
  const kept = rows
    .map((row, i) => ({ row: row ?? {}, i }))
    .filter(({ row }) => str(row.activityId).trim() !== '')
    .map(({ row, i }) => ({ i, step: { activityId: str(row.activityId).trim(), required: ticked(row.required) } }));
  return { steps: kept.map((k) => k.step), formIndex: kept.map((k) => k.i) };
}

/** A step button of the editor: "add", or "up"/"down"/"remove" with the row's index. */
const STEP_ACTION = /^(add|up|down|remove)(?::(\d{1,2}))?$/;

/**
 * Applies a step button to the form as typed (nothing is saved): the editor works without scripts,
 * each button posts the whole form and gets it back changed.
 */
export function applyStepAction(values: PathwayFormValues, action: string): PathwayFormValues | undefined {
  const m = STEP_ACTION.exec(action);
  if (!m) return undefined;
  const steps = [...values.steps];
  const i = Number(m[2]);
  const swap = (a: number, b: number) => {
    if (a >= 0 && b >= 0 && a < steps.length && b < steps.length) [steps[a], steps[b]] = [steps[b]!, steps[a]!];
  };
  if (m[1] === 'add') steps.push({ activityId: '', required: true });
  else if (m[1] === 'up') swap(i, i - 1);
  else if (m[1] === 'down') swap(i, i + 1);
  else if (m[1] === 'remove' && i < steps.length) steps.splice(i, 1);
  return { ...values, steps };
}

/** The form as the service's input (steps ordered), with a way to name error fields by form row. */
export function inputFromForm(body: Record<string, unknown>): { input: Record<string, unknown>; toFormField: (path: string) => string } {
  const { steps, formIndex } = stepsFromForm(body.steps);
  return {
    input: { ...body, steps, competencies: list(body.competencies) },
    toFormField: (path) => {
      const [head, index, ...rest] = path.split('.');
      const at = head === 'steps' && index !== undefined ? formIndex[Number(index)] : undefined;
      return at === undefined ? path : ['steps', at, ...rest].join('.');
    },
  };
}

export function valuesFromForm(body: Record<string, unknown>): PathwayFormValues {
  const rows = (Array.isArray(body.steps) ? body.steps : []) as (RawStep | undefined)[];
  return {
    title: str(body.title),
    summary: str(body.summary),
    competencies: list(body.competencies),
    targetLevel: str(body.targetLevel),
    steps: rows.map((r) => ({ activityId: str(r?.activityId), required: ticked(r?.required) })),
    ruleKind: str(body.ruleKind) || 'all',
    ruleN: str(body.ruleN),
    ruleHours: str(body.ruleHours),
    achievementId: str(body.achievementId),
    selfEnrol: ticked(body.selfEnrol),
  };
}

export function valuesFromPathway(p: PathwayDoc): PathwayFormValues {
  const rule = p.rule as PathwayRule | undefined;
  return {
    title: p.title,
    summary: p.summary ?? '',
    competencies: [...p.competencies],
    targetLevel: p.targetLevel ? String(p.targetLevel) : '',
    steps: p.steps.map((s) => ({ activityId: String(s.activityId), required: s.required ?? true })),
    ruleKind: rule?.kind ?? 'all',
    ruleN: rule?.kind === 'n-of-m' ? String(rule.n) : '',
    ruleHours: rule?.kind === 'hours' ? String(rule.hours) : '',
    achievementId: p.achievementId ? String(p.achievementId) : '',
    selfEnrol: !!p.selfEnrol,
  };
}

export const EMPTY_PATHWAY: PathwayFormValues = { title: '', summary: '', competencies: [], targetLevel: '', steps: [], ruleKind: 'all', ruleN: '', ruleHours: '', achievementId: '', selfEnrol: false };

export interface FormChoices {
  activities: ActivityDoc[];
  competencies: CompetencyView[];
  achievements: { _id: Types.ObjectId; name: string }[];
}

export function pathwayForm(values: PathwayFormValues, choices: FormChoices, errors: FieldErrors = {}) {
  // One empty row to add a step to; "Add a step" offers more.
  const rows = values.steps.length && !values.steps[values.steps.length - 1]!.activityId ? values.steps : [...values.steps, { activityId: '', required: true }];
  return {
    values,
    errors,
    stepRows: rows.map((s, i) => ({ ...s, index: i, number: i + 1, first: i === 0, last: i === rows.length - 1 })),
    choices: {
      activities: choices.activities.map((a) => ({ value: String(a._id), label: `${a.title} (${hours(a.hours)}, ${cost(a.cost)})` })),
      competencies: choices.competencies.map((c) => ({ value: c.code, label: `${c.code} · ${c.name}` })),
      levels: LEVEL_NAMES.map((label, i) => ({ value: String(i + 1), label: `${i + 1} · ${label}` })),
      rules: [
        { value: 'all', label: 'Every required step' },
        { value: 'n-of-m', label: 'Any N of the steps' },
        { value: 'hours', label: 'A number of hours of the steps' },
      ],
      achievements: choices.achievements.map((a) => ({ value: String(a._id), label: a.name })),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Assignment batches and migration

export function batchView(b: AssignmentBatchDoc, pathways: Map<string, PathwayDoc>) {
  const planned = b.assignments.map((a) => ({ title: pathways.get(String(a.pathwayId))?.title ?? 'A pathway', version: pathways.get(String(a.pathwayId))?.version, due: isoDate(a.dueAt) }));
  return {
    id: String(b._id),
    label: b.label,
    status: b.status,
    total: b.total,
    done: b.done,
    enrolled: b.enrolled,
    already: b.already,
    failed: b.failed,
    planned,
    newPeople: b.rows.filter((r) => !r.userId).length,
    newList: b.rows.filter((r) => !r.userId).slice(0, 200).map((r) => ({ line: r.line, name: r.displayName, id: r.person?.email || r.person?.canvasId || r.person?.moodleId || r.person?.sourcedId || '', warning: r.warning ?? '' })),
    alreadyOn: b.rows.filter((r) => r.alreadyEnrolled).length,
    rows: b.rows.slice(0, 500).map((r) => ({
      line: r.line,
      name: r.displayName,
      email: r.person?.email ?? '',
      isNew: !r.userId,
      warning: r.warning ?? '',
      already: r.alreadyEnrolled,
      pathway: planned[r.assignment]?.title ?? '',
      due: planned[r.assignment]?.due ?? '',
    })),
    moreRows: Math.max(0, b.rows.length - 500),
  };
}

/** The JSON the progress bar polls. */
export function batchStatus(b: AssignmentBatchDoc) {
  return { id: String(b._id), status: b.status, total: b.total, done: b.done, enrolled: b.enrolled, already: b.already, failed: b.failed };
}

export function migrationRows(lines: MigrationLine[]) {
  return lines.map((l) => ({
    userId: String(l.enrolment.userId),
    name: l.name,
    fromVersion: l.fromVersion,
    inPlan: l.inPlan,
    added: l.added,
    removed: l.removed,
    kept: l.keptCompletions,
    lost: l.lostCompletions,
    ruleChange: l.ruleChange ?? '',
  }));
}

// ---------------------------------------------------------------------------------------------
// My pathways (teachers)

const PROGRESS_LABELS: Record<string, string> = { 'not-started': 'Not started', 'in-progress': 'In progress', 'awaiting-verification': 'Awaiting verification', done: 'Done' };

/** One of a teacher's pathways: its steps with their progress in the teacher's plan. */
export function myPathway(e: EnrolmentDoc, p: PathwayDoc | undefined, goal: { planId: Types.ObjectId; goal: GoalDoc } | null) {
  const now = new Date();
  const completed = goal?.goal.status === 'completed';
  return {
    pathwayId: String(e.pathwayId),
    title: goal?.goal.origin?.pathway?.title ?? p?.title ?? 'A pathway',
    version: e.version,
    source: e.source === 'self' ? 'You added it' : 'Assigned by your PD office',
    due: isoDate(e.dueAt),
    overdue: !!e.dueAt && e.dueAt < now && !completed,
    completed,
    progress: Math.round((goal?.goal.progress ?? 0) * 100),
    rule: p ? ruleText(p.rule as PathwayRule, p.steps.length) : '',
    goalLink: goal ? `/plans/${goal.planId}/goals/${goal.goal._id}` : undefined,
    steps: (goal?.goal.activities ?? []).map((a) => ({ title: a.title, catalogId: a.activityId ? String(a.activityId) : '', elective: (goal?.goal.rule?.kind ?? 'all') === 'all' && a.required === false, status: PROGRESS_LABELS[a.status] ?? a.status, done: a.status === 'done' })),
  };
}
