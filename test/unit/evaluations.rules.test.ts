import fc from 'fast-check';
import { checkAnswers, efficacy, FormInput, measuredRatings, Question, questionsFromRows, responseRate, sameQuestions, summarise, templateQuestions } from '../../src/evaluations/rules';

const q = (over: Partial<Question>): Question => ({ key: 'aaaaaaaaaaaa', kind: 'rating', prompt: 'How useful?', options: [], required: true, measure: '', ...over });
const rows = (raw: unknown) => questionsFromRows(FormInput.parse({ title: 'T', questions: raw }).questions);

test('the template asks relevance, quality, intended practice change and confidence before and after, each measured once', () => {
  const measures = templateQuestions().map((t) => t.measure).filter(Boolean);
  expect(measures).toEqual(['relevance', 'satisfaction', 'practice-change', 'confidence-before', 'confidence-after']);
  const { questions, errors } = rows(templateQuestions().map((t) => ({ ...t, options: t.options.join('\n'), required: t.required ? 'on' : undefined })));
  expect(errors).toEqual({});
  expect(questions).toHaveLength(templateQuestions().length);
  expect(new Set(questions.map((x) => x.key)).size).toBe(questions.length);
});

test('editor rows: empty and removed rows are dropped; choices need two options; a measure belongs to one rating question', () => {
  const { questions, errors } = rows([
    { prompt: 'Rate it', kind: 'rating', measure: 'satisfaction' },
    { prompt: '' },
    { prompt: 'Gone', remove: 'on' },
    { prompt: 'Pick', kind: 'single', options: 'Only one' },
    { prompt: 'Again', kind: 'rating', measure: 'satisfaction' },
    { prompt: 'Words', kind: 'text', measure: 'relevance' },
  ]);
  expect(questions.map((x) => x.prompt)).toEqual(['Rate it', 'Pick', 'Again', 'Words']);
  expect(errors).toEqual({ 'questions.3.options': 'Give at least two choices, one per line', 'questions.4.measure': 'Another question already measures this', 'questions.5.measure': 'Only a rating question measures something' });
  expect(rows([{ prompt: '' }]).errors).toEqual({ 'questions.0.prompt': 'A form needs at least one question' });
  expect(rows([{ prompt: 'Pick', kind: 'multiple', options: 'a\n\n a \nb\r\nb' }]).questions[0]!.options).toEqual(['a', 'b']);
});

test('answers: required ones given, ratings 1–5, choices only from the list, one for a single choice', () => {
  const form = [q({ key: 'r00000000000' }), q({ key: 's00000000000', kind: 'single', options: ['Yes', 'No'] }), q({ key: 'm00000000000', kind: 'multiple', options: ['A', 'B'], required: false }), q({ key: 't00000000000', kind: 'text', required: false })];
  expect(checkAnswers(form, { r00000000000: '4', s00000000000: 'Yes', m00000000000: ['A', 'B', 'A'], t00000000000: '  fine ' })).toEqual({
    answers: [{ key: 'r00000000000', rating: 4 }, { key: 's00000000000', choices: ['Yes'] }, { key: 'm00000000000', choices: ['A', 'B'] }, { key: 't00000000000', text: 'fine' }],
    errors: {},
  });
  expect(checkAnswers(form, {}).errors).toEqual({ 'answers.r00000000000': 'Please choose an answer', 'answers.s00000000000': 'Please choose an answer' });
  expect(checkAnswers(form, { r00000000000: '6', s00000000000: ['Yes', 'No'], m00000000000: 'C' }).errors).toEqual({
    'answers.r00000000000': 'Choose a rating from 1 to 5',
    'answers.s00000000000': 'Choose one of the listed answers',
    'answers.m00000000000': 'Choose from the listed answers',
  });
  expect(checkAnswers(form, { r00000000000: '2', s00000000000: 'No', t00000000000: 'x'.repeat(2001) }).errors).toEqual({ 'answers.t00000000000': 'At most 2000 characters' });
});

test('property: a rating is accepted exactly when it is a whole number from 1 to 5', () => {
  const lookalikes = fc.constantFrom('01', '1.0', '5.', '1e0', '0x3', '+2', ' 3 ');
  fc.assert(fc.property(fc.oneof(fc.integer({ min: -10, max: 10 }).map(String), lookalikes, fc.string()), (value) => {
    const { errors } = checkAnswers([q({})], { aaaaaaaaaaaa: value });
    const ok = ['1', '2', '3', '4', '5'].includes(value.trim());
    return ok ? !Object.keys(errors).length : value.trim() === '' || !!errors['answers.aaaaaaaaaaaa'];
  }));
});

test('results: averages and distributions per rating, counts per choice, comments', () => {
  const form = [q({ key: 'r' }), q({ key: 'c', kind: 'multiple', options: ['A', 'B'] }), q({ key: 't', kind: 'text' })];
  const results = summarise(form, [[{ key: 'r', rating: 5 }, { key: 'c', choices: ['A', 'B'] }, { key: 't', text: 'Great' }], [{ key: 'r', rating: 2 }, { key: 'c', choices: ['A'] }], []]);
  expect(results[0]).toMatchObject({ answered: 2, average: 3.5, distribution: [0, 1, 0, 0, 1] });
  expect(results[1]).toMatchObject({ answered: 2, counts: [{ option: 'A', count: 2 }, { option: 'B', count: 1 }] });
  expect(results[2]).toMatchObject({ answered: 1, comments: ['Great'] });
});

test('property: an average lies within the ratings given, and the distribution counts every one', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 50 }), (ratings) => {
    const [r] = summarise([q({ key: 'r' })], ratings.map((n) => [{ key: 'r', rating: n }]));
    return r!.average! >= Math.min(...ratings) && r!.average! <= Math.max(...ratings) && r!.distribution!.reduce((a, b) => a + b, 0) === ratings.length;
  }));
});

test('an edited form is the same form only when no question changed', () => {
  const a = [q({ key: 'a' }), q({ key: 'b', kind: 'text' })];
  expect(sameQuestions(a, a.map((x) => ({ ...x })))).toBe(true);
  expect(sameQuestions(a, [a[0]!, { ...a[1]!, prompt: 'Other' }])).toBe(false);
  expect(sameQuestions(a, [a[1]!, a[0]!])).toBe(false);
});

test('efficacy: satisfaction, share intending change (4–5), confidence gain, response rate and follow-through from counts', () => {
  const form = templateQuestions().map((t, i) => ({ ...t, key: `k${i}` }));
  const ratings = [[5, 4, 5, 2, 4], [3, 3, 2, 3, 3]].map((r) => measuredRatings(form, r.map((n, i) => ({ key: `k${i}`, rating: n }))));
  expect(efficacy({ responses: ratings, attended: 4, reflected: 1 })).toEqual({ responses: 2, attended: 4, responseRate: 50, satisfaction: 3.5, relevance: 4, intendsChange: 50, confidenceGain: 1, followThrough: 25 });
  expect(efficacy({ responses: [], attended: 0, reflected: 0 })).toMatchObject({ responseRate: 0, satisfaction: undefined, followThrough: 0 });
  expect(responseRate(7, 5)).toBe(100);
});
