import { courseInWords } from '../../src/completions/rules';

test('a course is named by its title when one is known', () => {
  expect(courseInWords({ source: 'moodle-ws', system: 'lms', courseId: '2', courseTitle: 'Differentiation in Practice' })).toBe('Differentiation in Practice');
});

test('without a title the words say which platform’s course it was, never a bare id', () => {
  expect(courseInWords({ source: 'moodle-ws', system: 'lms', courseId: '2', courseTitle: '' })).toBe('Moodle course 2');
  expect(courseInWords({ source: 'canvas-live', system: 'lms', courseId: '1042' })).toBe('Canvas course 1042');
  expect(courseInWords({ source: 'canvas-rest', system: 'lms', courseId: '1042' })).toBe('Canvas course 1042');
  expect(courseInWords({ source: 'webhook', system: 'sis', courseId: 'ALG-7' })).toBe('Course ALG-7 in sis (sent by your district’s webhook)');
  expect(courseInWords({ source: 'csv', system: 'lms', courseId: '77' })).toBe('Course 77 (from a CSV import)');
  expect(courseInWords({ source: 'csv' })).toBe('A catalog activity from a CSV import');
});
