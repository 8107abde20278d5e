import { unflatten } from '../../src/kernel/validation';

test('dotted form names become nested objects and arrays', () => {
  expect(unflatten({ name: 'F', 'domains.0.code': 'A', 'domains.1.code': 'B', 'level.PLAN1': '2', 'competencies.0.levels.3': 'x' })).toEqual({
    name: 'F',
    domains: [{ code: 'A' }, { code: 'B' }],
    level: { PLAN1: '2' },
    competencies: [{ levels: [undefined, undefined, undefined, 'x'] }],
  });
});

test('prototype keys, huge indexes and clashing names are ignored', () => {
  const out = unflatten({ '__proto__.polluted': 'yes', 'rows.999999.x': '1', a: 'plain', 'a.b': 'nested' });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(out).toEqual({ a: 'plain' });
});
