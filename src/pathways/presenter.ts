import { Types } from 'mongoose';
import { money } from '../catalog/service';
import type { ActivityDoc } from '../catalog/service';
import type { CompetencyView } from '../frameworks/service';
import { LEVEL_NAMES } from '../frameworks/service';
import type { GoalDoc } from '../plans/service';
import { FieldErrors } from '../web/errors';
import { AssignmentBatchDoc, EnrolmentDoc, MigrationLine, PathwayDoc, PathwayRule, ruleText } from './service';

const STATUS_LABELS: Record<string, { label: string; tone: string }> = {
  draft: { label: 'Draft', tone: 'warn' },
  published: { label: 'Published', tone: 'ok' },
  superseded: { label: 'Earlier version', tone: '' },
  archived: { label: 'Archived', tone: 'bad' },
};

export const day = (d?: Date | null) => (d ? d.toISOString().slice(0, 10) : '');
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
  hours: string;
  cost: string;
  status?: string;
}

function stepRows(steps: { activity: ActivityDoc; required: boolean }[]): StepView[] {
  return steps.map(({ activity, required }) => ({ activityId: String(activity._id), title: activity.title, required, hours: hours(activity.hours), cost: cost(activity.cost) }));
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
    steps: stepRows(steps),
    hours: hours(p.estimatedHours ?? 0),
    cost: cost(p.estimatedCost ?? 0),
    selfEnrol: !!p.selfEnrol,
    achievement,
    publishedAt: day(p.publishedAt),
  };
}

export function versionRows(versions: PathwayDoc[], counts: Map<string, number>) {
  return versions.map((v) => ({ id: String(v._id), version: v.version, status: statusBadge(v.status), publishedAt: day(v.publishedAt), people: counts.get(`${v.slug}@${v.version}`) ?? 0 }));
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

/** Empty rows offered under the steps, so PD staff add several steps in one save without scripts. */
export const SPARE_STEP_ROWS = 3;

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
const ticked = (v: unknown) => v === 'on' || v === 'true' || v === true;

interface RawStep {
  activityId?: unknown;
  required?: unknown;
  position?: unknown;
  remove?: unknown;
}

/**
 * The steps of a posted form: rows with an activity, not marked for removal, ordered by their
 * position field (ties keep form order); formIndex maps each kept step back to its form row.
 */
export function stepsFromForm(rawSteps: unknown): { steps: { activityId: string; required: boolean }[]; formIndex: number[] } {
  const rows = (Array.isArray(rawSteps) ? rawSteps : []) as (RawStep | undefined)[];
  const kept = rows
    .map((row, i) => ({ row: row ?? {}, i }))
    .filter(({ row }) => str(row.activityId).trim() !== '' && !ticked(row.remove))
    .map(({ row, i }) => ({ i, position: Number(str(row.position)) || i + 1, step: { activityId: str(row.activityId).trim(), required: ticked(row.required) } }))
    .sort((a, b) => a.position - b.position || a.i - b.i);
  return { steps: kept.map((k) => k.step), formIndex: kept.map((k) => k.i) };
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
  const spare = Array.from({ length: SPARE_STEP_ROWS }, () => ({ activityId: '', required: true }));
  return {
    values,
    errors,
    stepRows: [...values.steps, ...spare].map((s, i) => ({ ...s, index: i, position: i + 1 })),
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
  const planned = b.assignments.map((a) => ({ title: pathways.get(String(a.pathwayId))?.title ?? 'A pathway', version: pathways.get(String(a.pathwayId))?.version, due: day(a.dueAt) }));
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
    alreadyOn: b.rows.filter((r) => r.alreadyEnrolled).length,
    rows: b.rows.slice(0, 500).map((r) => ({
      line: r.line,
      name: r.displayName,
      email: r.person?.email ?? '',
      isNew: !r.userId,
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
    due: day(e.dueAt),
    overdue: !!e.dueAt && e.dueAt < now && !completed,
    completed,
    progress: Math.round((goal?.goal.progress ?? 0) * 100),
    rule: p ? ruleText(p.rule as PathwayRule, p.steps.length) : '',
    goalLink: goal ? `/plans/${goal.planId}/goals/${goal.goal._id}` : undefined,
    steps: (goal?.goal.activities ?? []).map((a) => ({ title: a.title, required: a.required ?? true, status: PROGRESS_LABELS[a.status] ?? a.status, done: a.status === 'done' })),
  };
}
