import { nextPageUrl, retryAfterMs, ServiceError } from '../../src/kernel/http';
import { scoresUrl } from '../../src/lti/services/ags';

test('the next page comes from rel="next", in Canvas’s many-link and Moodle’s single-link headers', () => {
  const canvas = '<https://canvas.example/api/lti/courses/1/line_items?page=1&per_page=10>; rel="current",<https://canvas.example/api/lti/courses/1/line_items?page=2&per_page=10>; rel="next",<https://canvas.example/api/lti/courses/1/line_items?page=1&per_page=10>; rel="first"';
  expect(nextPageUrl(canvas)).toBe('https://canvas.example/api/lti/courses/1/line_items?page=2&per_page=10');
  expect(nextPageUrl('<https://moodle.example/mod/lti/services.php/2/lineitems?type_id=3&limit=10&from=10>; rel="next"')).toBe('https://moodle.example/mod/lti/services.php/2/lineitems?type_id=3&limit=10&from=10');
  expect(nextPageUrl('<https://x.example/a?page=2>; rel=next')).toBe('https://x.example/a?page=2');
  expect(nextPageUrl('<https://x.example/a?page=9>; rel="last"')).toBeUndefined();
  expect(nextPageUrl('<https://x.example/a?page=2>; rel="nextish"')).toBeUndefined();
  expect(nextPageUrl(null)).toBeUndefined();
});

test('scores go to the line item URL with /scores before any query string', () => {
  expect(scoresUrl('https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3')).toBe('https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3');
  expect(scoresUrl('https://canvas.example/api/lti/courses/1/line_items/5')).toBe('https://canvas.example/api/lti/courses/1/line_items/5/scores');
});

test('Retry-After in seconds or as a date; what is worth retrying', () => {
  expect(retryAfterMs(new Response(null, { headers: { 'Retry-After': '30' } }))).toBe(30_000);
  const inAMinute = new Date(Date.now() + 60_000).toUTCString();
  expect(retryAfterMs(new Response(null, { headers: { 'Retry-After': inAMinute } }))).toBeGreaterThan(55_000);
  expect(retryAfterMs(new Response(null))).toBeUndefined();
  expect([0, 408, 429, 500, 503].map((s) => new ServiceError(s, 'x').retryable)).toEqual([true, true, true, true, true]);
  expect([400, 401, 403, 404, 422].map((s) => new ServiceError(s, 'x').retryable)).toEqual([false, false, false, false, false]);
});
