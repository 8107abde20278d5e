import crypto from 'node:crypto';
import { z } from 'zod';
import type { FieldErrors } from '../kernel/errors';

// Pure rules of evaluation forms: what a form may hold, what an answer must be, and what results say.

export const QUESTION_KINDS = ['rating', 'single', 'multiple', 'text'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];
/** What a question measures for the district efficacy report (none: only its own results). */
export const MEASURES = ['', 'relevance', 'satisfaction', 'practice-change', 'confidence-before', 'confidence-after'] as const;
export type Measure = (typeof MEASURES)[number];
export const RATING_SCALE = [1, 2, 3, 4, 5] as const;
export const MAX_QUESTIONS = 20;
const MAX_OPTIONS = 10;
const MAX_ANSWER = 2000;

export const KIND_LABELS: Record<QuestionKind, string> = { rating: 'Rating 1–5', single: 'One choice', multiple: 'Several choices', text: 'Open text' };
export const MEASURE_LABELS: Record<Measure, string> = {
  '': 'Nothing (only this form’s results)',
  relevance: 'Relevance',
  satisfaction: 'Satisfaction (quality)',
  'practice-change': 'Intended change in practice',
  'confidence-before': 'Confidence before',
  'confidence-after': 'Confidence after',
};

export interface Question {
  key: string;
  kind: QuestionKind;
  prompt: string;
  options: string[];
  required: boolean;
  measure: Measure;
}

export interface Answer {
  key: string;
  rating?: number | null;
  choices?: string[] | null;
  text?: string | null;
}

export const newQuestionKey = (): string => crypto.randomBytes(6).toString('hex');

/** The typical questions a new form starts with; PD staff edit, remove or add to them. */
export function templateQuestions(): Omit<Question, 'key'>[] {
  const rating = (prompt: string, measure: Measure): Omit<Question, 'key'> => ({ kind: 'rating', prompt, options: [], required: true, measure });
  return [
    rating('How relevant was this session to your work? (1 = not at all, 5 = very)', 'relevance'),
    rating('How would you rate the quality of the session? (1 = poor, 5 = excellent)', 'satisfaction'),
    rating('How likely are you to change something in your practice because of it? (1 = not likely, 5 = certainly)', 'practice-change'),
    rating('Before the session, how confident were you with this topic? (1 = not at all, 5 = very)', 'confidence-before'),
    rating('After the session, how confident are you with this topic? (1 = not at all, 5 = very)', 'confidence-after'),
    { kind: 'single', prompt: 'When do you expect to try it in your classroom?', options: ['This week', 'This month', 'This term', 'Not yet sure'], required: false, measure: '' },
    { kind: 'text', prompt: 'What will you do differently? Anything else the facilitator should know?', options: [], required: false, measure: '' },
  ];
}

const QuestionRow = z.object({
  key: z.string().regex(/^[a-f0-9]{12}$/).optional().or(z.literal('')),
  prompt: z.string().trim().max(300, 'At most 300 characters').default(''),
  kind: z.enum(QUESTION_KINDS, { message: 'Choose the kind of question' }).default('rating'),
  options: z.string().max(2000, 'Too long').default(''),
  required: z.literal('on').optional(),
  measure: z.enum(MEASURES, { message: 'Choose what it measures' }).default(''),
  remove: z.literal('on').optional(),
});

export const FormInput = z.object({
  title: z.string().trim().min(1, 'Give the form a title').max(120, 'At most 120 characters'),
  intro: z.string().trim().max(600, 'At most 600 characters').default(''),
  questions: z.array(QuestionRow.optional()).max(MAX_QUESTIONS + 5).default([]),
});

export interface ParsedForm {
  title: string;
  intro: string;
  questions: Question[];
}

/**
 * The form editor's rows as questions: empty and removed rows dropped, one option per line for choice
 * questions, each measure used once. Errors are keyed by the editor's field names.
 */
export function questionsFromRows(rows: z.infer<typeof FormInput>['questions']): { questions: Question[]; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const questions: Question[] = [];
  const measured = new Set<Measure>();
  rows.forEach((row, i) => {
    if (!row || row.remove || !row.prompt) return;
    const at = `questions.${i}`;
    const options = row.kind === 'single' || row.kind === 'multiple' ? [...new Set(row.options.split(/\r?\n/).map((o) => o.trim()).filter(Boolean))] : [];
    if ((row.kind === 'single' || row.kind === 'multiple') && options.length < 2) errors[`${at}.options`] = 'Give at least two choices, one per line';
    if (options.length > MAX_OPTIONS) errors[`${at}.options`] = `At most ${MAX_OPTIONS} choices`;
    if (options.some((o) => o.length > 120)) errors[`${at}.options`] = 'Each choice at most 120 characters';
    const measure = row.kind === 'rating' ? row.measure : '';
    if (row.measure && row.kind !== 'rating') errors[`${at}.measure`] = 'Only a rating question measures something';
    if (measure && measured.has(measure)) errors[`${at}.measure`] = 'Another question already measures this';
    if (measure) measured.add(measure);
    questions.push({ key: row.key || newQuestionKey(), kind: row.kind, prompt: row.prompt, options, required: row.required === 'on', measure });
  });
  if (!questions.length && !Object.keys(errors).length) errors['questions.0.prompt'] = 'A form needs at least one question';
  if (questions.length > MAX_QUESTIONS) errors._ = `At most ${MAX_QUESTIONS} questions`;
  const keys = new Set(questions.map((q) => q.key));
  if (keys.size !== questions.length) errors._ = 'Two rows carry the same question; reload the form';
  return { questions, errors };
}

/** Whether two question lists ask the same (prompts, kinds, choices, order): an answered form changes only to a new version. */
export function sameQuestions(a: Question[], b: Question[]): boolean {
  const shape = (qs: Question[]) => JSON.stringify(qs.map((q) => [q.key, q.kind, q.prompt, q.options, q.required, q.measure]));
  return shape(a) === shape(b);
}

/** A participant's answers checked against the form: every required one given, ratings 1–5, choices from the list. */
export function checkAnswers(questions: Question[], raw: Record<string, unknown>): { answers: Answer[]; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const answers: Answer[] = [];
  for (const q of questions) {
    const field = `answers.${q.key}`;
    const value = raw[q.key];
    const given = (Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value]).map((v) => (typeof v === 'string' ? v.trim() : '')).filter((v) => v !== '');
    if (!given.length) {
      if (q.required) errors[field] = q.kind === 'text' ? 'Please write an answer' : 'Please choose an answer';
      continue;
    }
    if (q.kind === 'rating') {
      // Only what a rating button sends: "01", "1.0" or "1e0" are not ratings.
      const n = /^[1-5]$/.test(given[0]!) ? Number(given[0]) : NaN;
      if (given.length > 1 || !RATING_SCALE.includes(n as 1)) errors[field] = 'Choose a rating from 1 to 5';
      else answers.push({ key: q.key, rating: n });
    } else if (q.kind === 'text') {
      if (given.length > 1 || given[0]!.length > MAX_ANSWER) errors[field] = `At most ${MAX_ANSWER} characters`;
      else answers.push({ key: q.key, text: given[0]! });
    } else {
      const unknown = given.some((g) => !q.options.includes(g));
      if (unknown || (q.kind === 'single' && given.length > 1)) errors[field] = q.kind === 'single' ? 'Choose one of the listed answers' : 'Choose from the listed answers';
      else answers.push({ key: q.key, choices: [...new Set(given)] });
    }
  }
  return { answers, errors };
}

export interface QuestionResult {
  key: string;
  kind: QuestionKind;
  prompt: string;
  measure: Measure;
  answered: number;
  /** Ratings: the average (2 decimals) and how many gave each of 1..5. */
  average?: number;
  distribution?: number[];
  /** Choices: how many picked each option, in the form's order. */
  counts?: { option: string; count: number }[];
  /** Open text: the comments (whose they are is the presenter's concern). */
  comments?: string[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function average(values: number[]): number | undefined {
  return values.length ? round2(values.reduce((a, b) => a + b, 0) / values.length) : undefined;
}

/** What each question's answers add up to, over the responses given (each a list of answers). */
export function summarise(questions: Question[], responses: Answer[][]): QuestionResult[] {
  return questions.map((q) => {
    const given = responses.map((r) => r.find((a) => a.key === q.key)).filter((a): a is Answer => !!a);
    const base = { key: q.key, kind: q.kind, prompt: q.prompt, measure: q.measure, answered: given.length };
    if (q.kind === 'rating') {
      const ratings = given.map((a) => a.rating).filter((n): n is number => typeof n === 'number');
      return { ...base, average: average(ratings), distribution: RATING_SCALE.map((n) => ratings.filter((r) => r === n).length) };
    }
    if (q.kind === 'text') return { ...base, comments: given.map((a) => a.text ?? '').filter(Boolean) };
    return { ...base, counts: q.options.map((option) => ({ option, count: given.filter((a) => a.choices?.includes(option)).length })) };
  });
}

/** Responses over attendees, as a whole percentage (0 when nobody attended). */
export function responseRate(responses: number, attended: number): number {
  return attended > 0 ? Math.round((Math.min(responses, attended) / attended) * 100) : 0;
}

export interface EfficacyInput {
  /** Each response's ratings by measure. */
  responses: Partial<Record<Measure, number>>[];
  attended: number;
  /** Attendees who wrote at least one reflection on the activity after the session. */
  reflected: number;
}

export interface Efficacy {
  responses: number;
  attended: number;
  responseRate: number;
  satisfaction?: number;
  /** Share (%) of those answering the practice-change question who rated it 4 or 5. */
  intendsChange?: number;
  relevance?: number;
  /** Average confidence after minus before, over responses that rated both. */
  confidenceGain?: number;
  /** Share (%) of attendees who reflected on the activity afterwards (a count; never the text). */
  followThrough: number;
}

/** The district efficacy figures of one activity (or the whole district) from ratings and counts only. */
export function efficacy({ responses, attended, reflected }: EfficacyInput): Efficacy {
  const of = (m: Measure) => responses.map((r) => r[m]).filter((n): n is number => typeof n === 'number');
  const change = of('practice-change');
  const pairs = responses.filter((r) => typeof r['confidence-before'] === 'number' && typeof r['confidence-after'] === 'number');
  return {
    responses: responses.length,
    attended,
    responseRate: responseRate(responses.length, attended),
    satisfaction: average(of('satisfaction')),
    relevance: average(of('relevance')),
    intendsChange: change.length ? Math.round((change.filter((n) => n >= 4).length / change.length) * 100) : undefined,
    confidenceGain: pairs.length ? round2(pairs.reduce((s, r) => s + r['confidence-after']! - r['confidence-before']!, 0) / pairs.length) : undefined,
    followThrough: attended > 0 ? Math.round((Math.min(reflected, attended) / attended) * 100) : 0,
  };
}

/** A response's ratings by what they measure, for the efficacy report. */
export function measuredRatings(questions: Question[], answers: Answer[]): Partial<Record<Measure, number>> {
  const out: Partial<Record<Measure, number>> = {};
  for (const q of questions) {
    const a = answers.find((x) => x.key === q.key);
    if (q.measure && typeof a?.rating === 'number') out[q.measure] = a.rating;
  }
  return out;
}
