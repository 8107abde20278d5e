import { csvText } from '../kernel/csv';
import type { FieldErrors } from '../kernel/errors';
import { isoMoment } from '../web/format';
import { KIND_LABELS, MEASURE_LABELS, MEASURES, Question, QUESTION_KINDS, RATING_SCALE, templateQuestions } from './rules';
import type { CsvSheet, EfficacyRow, EvaluationFormDoc, Results } from './service';

const BLANK_ROWS = 3;

export interface EditorRow {
  index: number;
  key: string;
  prompt: string;
  kind: string;
  options: string;
  required: boolean;
  measure: string;
}

type TypedRow = { key?: string; prompt?: string; kind?: string; options?: string; required?: string; measure?: string } | undefined;

/** The editor's rows: the form's questions (or the template, or what was typed), then a few empty rows to add more. */
export function editorRows(source: { questions?: Omit<Question, 'key'>[] & Partial<Question>[]; typed?: TypedRow[] }): EditorRow[] {
  const rows: EditorRow[] = source.typed
    ? source.typed.map((t, index) => ({ index, key: t?.key ?? '', prompt: t?.prompt ?? '', kind: t?.kind ?? 'rating', options: t?.options ?? '', required: t?.required === 'on', measure: t?.measure ?? '' })).filter((r) => r.prompt || r.key)
    : (source.questions ?? templateQuestions()).map((q, index) => ({ index, key: (q as Partial<Question>).key ?? '', prompt: q.prompt, kind: q.kind, options: q.options.join('\n'), required: q.required, measure: q.measure }));
  const renumbered = rows.map((r, index) => ({ ...r, index }));
  for (let i = 0; i < BLANK_ROWS; i++) renumbered.push({ index: renumbered.length, key: '', prompt: '', kind: 'rating', options: '', required: false, measure: '' });
  return renumbered;
}

/** Errors keyed by the typed row numbers, moved to the renumbered rows (typed rows drop their empty ones). */
export function renumberErrors(typed: TypedRow[] | undefined, errors: FieldErrors): FieldErrors {
  if (!typed) return errors;
  const kept = typed.map((t, i) => (t?.prompt || t?.key ? i : -1)).filter((i) => i >= 0);
  const out: FieldErrors = {};
  for (const [field, msg] of Object.entries(errors)) {
    const m = /^questions\.(\d+)\.(.+)$/.exec(field);
    const at = m ? kept.indexOf(Number(m[1])) : -1;
    out[m && at >= 0 ? `questions.${at}.${m[2]}` : field] = msg;
  }
  return out;
}

export const kindChoices = QUESTION_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }));
export const measureChoices = MEASURES.map((m) => ({ value: m, label: MEASURE_LABELS[m] }));

export function formSummary(form: EvaluationFormDoc | null | undefined) {
  if (!form) return undefined;
  return { id: String(form._id), title: form.title, version: form.version, questions: form.questions.length, answered: form.answered, updatedAt: isoMoment((form as { updatedAt?: Date }).updatedAt) };
}

/** The participant's form: each question with what they typed back after a refusal. */
export function answerForm(form: EvaluationFormDoc, typed: Record<string, unknown> = {}) {
  const values = (key: string) => {
    const v = typed[key];
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
  };
  return {
    title: form.title,
    intro: form.intro,
    scale: RATING_SCALE,
    questions: form.questions.map((q, i) => ({ key: q.key, field: `answers.${q.key}`, number: i + 1, kind: q.kind, prompt: q.prompt, options: q.options, required: q.required, values: values(q.key) })),
  };
}

interface ChartSpec {
  id: string;
  type: 'bar';
  horizontal?: boolean;
  labels: string[];
  datasets: { label: string; data: number[] }[];
}

/** Results as the page shows them, with the chart specs public/js/reports.js draws (numbers in tables too). */
export function resultsView(results: Results) {
  const charts: ChartSpec[] = [];
  const versions = results.versions.map((v) => ({
    ...v,
    questions: v.questions.map((q, i) => {
      const id = `chart-${v.version}-${i}`;
      if (q.kind === 'rating' && q.answered) {
        charts.push({ id, type: 'bar', labels: RATING_SCALE.map(String), datasets: [{ label: 'Responses', data: q.distribution ?? [] }] });
        return { ...q, chartId: id, summary: `Ratings of “${q.prompt}”: average ${q.average} of 5 from ${q.answered}.`, rows: RATING_SCALE.map((n, j) => ({ label: String(n), count: q.distribution?.[j] ?? 0 })) };
      }
      if ((q.kind === 'single' || q.kind === 'multiple') && q.answered) {
        charts.push({ id, type: 'bar', horizontal: true, labels: (q.counts ?? []).map((c) => c.option), datasets: [{ label: 'Chosen by', data: (q.counts ?? []).map((c) => c.count) }] });
        return { ...q, chartId: id, summary: `Answers to “${q.prompt}” from ${q.answered}.`, rows: (q.counts ?? []).map((c) => ({ label: c.option, count: c.count })) };
      }
      return { ...q, chartId: undefined, summary: '', rows: [] };
    }),
  }));
  return { ...results, versions, charts: JSON.stringify(charts) };
}

const pct = (n: number | undefined) => (n === undefined ? '—' : `${n}%`);
const avg = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(2));
const gain = (n: number | undefined) => (n === undefined ? '—' : `${n >= 0 ? '+' : ''}${n.toFixed(2)}`);

export const EFFICACY_COLUMNS: { header: string; value: (r: EfficacyRow) => string | number }[] = [
  { header: 'Activity', value: (r) => r.title },
  { header: 'Sessions', value: (r) => r.sessions },
  { header: 'Attended', value: (r) => r.attended },
  { header: 'Responses', value: (r) => r.responses },
  { header: 'Response rate', value: (r) => pct(r.responseRate) },
  { header: 'Satisfaction (of 5)', value: (r) => avg(r.satisfaction) },
  { header: 'Relevance (of 5)', value: (r) => avg(r.relevance) },
  { header: 'Intend to change practice', value: (r) => pct(r.intendsChange) },
  { header: 'Confidence gain', value: (r) => gain(r.confidenceGain) },
  { header: 'Reflected afterwards', value: (r) => pct(r.followThrough) },
];

export function efficacyView(rows: EfficacyRow[]) {
  const activities = rows.filter((r) => r.activityId);
  const charts: ChartSpec[] = activities.some((r) => r.satisfaction !== undefined)
    ? [{ id: 'efficacy-chart', type: 'bar', horizontal: true, labels: activities.map((r) => r.title), datasets: [{ label: 'Satisfaction (of 5)', data: activities.map((r) => r.satisfaction ?? 0) }, { label: 'Intended practice change (share rating 4–5, of 5)', data: activities.map((r) => Math.round(((r.intendsChange ?? 0) / 20) * 100) / 100) }] }]
    : [];
  return {
    headers: EFFICACY_COLUMNS.map((c) => c.header),
    rows: rows.map((r) => ({ district: !r.activityId, activityId: r.activityId, cells: EFFICACY_COLUMNS.map((c) => String(c.value(r))) })),
    charts: JSON.stringify(charts),
  };
}

export const efficacyCsv = (rows: EfficacyRow[]) => csvText(rows, EFFICACY_COLUMNS);

export function sheetCsv(sheet: CsvSheet): string {
  return csvText(sheet.rows, sheet.headers.map((header, i) => ({ header, value: (row: (string | number)[]) => row[i] })));
}
