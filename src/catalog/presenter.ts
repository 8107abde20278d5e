import { CompetencyView, LEVEL_NAMES } from '../frameworks/service';
import { FieldErrors } from '../kernel/errors';
import { ACTIVITY_KINDS, ActivityDoc, FORMAT_MODES, FORMAT_TIMINGS, KIND_LABELS } from './service';
import { DayRange, dayRange, isoDate, money } from '../web/format';

export const MODE_LABELS: Record<(typeof FORMAT_MODES)[number], string> = { online: 'Online', 'in-person': 'In person', blended: 'Blended' };
export const TIMING_LABELS: Record<(typeof FORMAT_TIMINGS)[number], string> = { sync: 'Live (sync)', async: 'On your own time (async)' };


/** When an activity runs: its days (views print them with `range()`) and the words that go with them. */
function scheduleOf(a: ActivityDoc): { dates: DayRange; text: string } {
  const s = a.schedule;
  if (s?.selfPaced) return { dates: dayRange(null, null), text: s.sessions ? `Self-paced · ${s.sessions}` : 'Self-paced' };
  const dates = dayRange(s?.startsOn, s?.endsOn);
  return { dates, text: s?.sessions || (dates.start ? '' : 'Dates to be announced') };
}

/** An activity as teachers, coaches and PD staff read it in the catalog. */
export function activityCard(a: ActivityDoc, competencies: Map<string, CompetencyView>) {
  return {
    id: String(a._id),
    title: a.title,
    kind: KIND_LABELS[a.kind],
    provider: a.provider ?? '',
    description: a.description ?? '',
    competencies: a.competencies.map((code) => ({ code, name: competencies.get(code)?.name ?? code })),
    level: a.targetLevel ? `Builds toward ${LEVEL_NAMES[a.targetLevel - 1]} (level ${a.targetLevel})` : 'Any level',
    hours: `${a.hours} h`,
    cost: a.cost === 0 ? 'Free' : money(a.cost),
    format: `${MODE_LABELS[a.format.mode]}, ${a.format.timing === 'sync' ? 'live' : 'on your own time'}`,
    schedule: scheduleOf(a),
    certificate: !!a.certificateRequired,
    lmsCourseId: a.lmsCourseId ?? '',
    retired: a.status === 'retired',
  };
}

export interface ActivityFormValues {
  kind: string;
  title: string;
  provider: string;
  description: string;
  competencies: string[];
  targetLevel: string;
  hours: string;
  cost: string;
  mode: string;
  timing: string;
  selfPaced: boolean;
  startsOn: string;
  endsOn: string;
  sessions: string;
  certificateRequired: boolean;
  lmsCourseId: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function valuesFromForm(body: Record<string, unknown>): ActivityFormValues {
  const list = body.competencies;
  return {
    kind: str(body.kind),
    title: str(body.title),
    provider: str(body.provider),
    description: str(body.description),
    competencies: (Array.isArray(list) ? list : [list]).filter((c): c is string => typeof c === 'string'),
    targetLevel: str(body.targetLevel),
    hours: str(body.hours),
    cost: str(body.cost),
    mode: str(body.mode),
    timing: str(body.timing),
    selfPaced: !!body.selfPaced,
    startsOn: str(body.startsOn),
    endsOn: str(body.endsOn),
    sessions: str(body.sessions),
    certificateRequired: !!body.certificateRequired,
    lmsCourseId: str(body.lmsCourseId),
  };
}

export function valuesFromActivity(a: ActivityDoc): ActivityFormValues {
  return {
    kind: a.kind,
    title: a.title,
    provider: a.provider ?? '',
    description: a.description ?? '',
    competencies: [...a.competencies],
    targetLevel: a.targetLevel ? String(a.targetLevel) : '',
    hours: String(a.hours),
    cost: String(a.cost),
    mode: a.format.mode,
    timing: a.format.timing,
    selfPaced: !!a.schedule?.selfPaced,
    startsOn: isoDate(a.schedule?.startsOn),
    endsOn: isoDate(a.schedule?.endsOn),
    sessions: a.schedule?.sessions ?? '',
    certificateRequired: !!a.certificateRequired,
    lmsCourseId: a.lmsCourseId ?? '',
  };
}

export const EMPTY_ACTIVITY: ActivityFormValues = {
  kind: '', title: '', provider: '', description: '', competencies: [], targetLevel: '', hours: '', cost: '0',
  mode: 'online', timing: 'async', selfPaced: false, startsOn: '', endsOn: '', sessions: '', certificateRequired: false, lmsCourseId: '',
};

/** Choice lists every catalog form and filter uses. */
export function choices(competencies: CompetencyView[]) {
  return {
    kinds: ACTIVITY_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] })),
    modes: FORMAT_MODES.map((m) => ({ value: m, label: MODE_LABELS[m] })),
    timings: FORMAT_TIMINGS.map((t) => ({ value: t, label: TIMING_LABELS[t] })),
    levels: LEVEL_NAMES.map((label, i) => ({ value: String(i + 1), label: `${i + 1} · ${label}` })),
    competencies: competencies.map((c) => ({ value: c.code, label: c.name, domain: c.domainName })),
  };
}

export function activityForm(values: ActivityFormValues, competencies: CompetencyView[], errors: FieldErrors = {}) {
  return { values, errors, choices: choices(competencies) };
}
