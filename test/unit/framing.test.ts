import { config, overrideConfig } from '../../src/config';
import { originOf } from '../../src/kernel/origin';

test('originOf keeps the origin of an https URL and nothing that could end a CSP directive', () => {
  expect(originOf('https://District.Instructure.com/courses/5?x=1')).toBe('https://district.instructure.com');
  expect(originOf('https://canvas.district.org:8443/a')).toBe('https://canvas.district.org:8443');
  for (const bad of ['https://a;script-src', "https://a'b.example", 'https://a,b.example', 'https://a b.example', 'javascript:alert(1)', 'data:text/html,x', 'null', '', 42, undefined]) {
    expect(originOf(bad)).toBeUndefined();
  }
});

test('plain http counts only outside production', () => {
  const before = config().env;
  expect(originOf('http://localhost:3000/demo')).toBe('http://localhost:3000');
  try {
    overrideConfig({ env: 'production' });
    expect(originOf('http://moodle.district.org')).toBeUndefined();
    expect(originOf('https://moodle.district.org')).toBe('https://moodle.district.org');
  } finally {
    overrideConfig({ env: before });
  }
});
