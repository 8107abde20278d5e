import fc from 'fast-check';
import { ObjectId } from 'bson';
import { Aggregator } from 'mingo';
import { countingGroup } from '../../src/db/embedded/countingGroup';
import { valueKey } from '../../src/db/embedded/ordering';
import { mingoOptions } from '../../src/db/embedded/query';
import { Doc } from '../../src/db/embedded/values';

// The embedded server counts and sums by plain fields itself; whenever it does, it must give mingo's groups.
const value = fc.oneof(fc.constantFrom('applied', 'csv', '', '5', 5, 2.5, 0, -0, true, false, null, new Date(0), new ObjectId('64b000000000000000000001')), fc.constant(undefined), fc.constant([1]), fc.constant({ a: 1 }));
const doc = fc.record({ source: value, status: value, hours: value, duplicates: fc.oneof(fc.integer({ min: 0, max: 3 }), value) }, { requiredKeys: [] });
const spec = fc.constantFrom<Doc>(
  { _id: { source: '$source', status: '$status' }, n: { $sum: 1 }, duplicates: { $sum: '$duplicates' } },
  { _id: '$status', n: { $sum: 1 } },
  { _id: '$source', hours: { $sum: '$hours' }, n: { $sum: 1 } },
);
const byKey = (docs: Doc[]) => [...docs].sort((a, b) => valueKey(a._id).localeCompare(valueKey(b._id)));

describe('counting $group', () => {
  it('gives the groups mingo gives, or leaves the stage to mingo', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 30 }), spec, (docs, s) => {
        const clean = docs.map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as Doc);
        const fast = countingGroup(s)?.(clean);
        if (!fast) return;
        answered++;
        expect(byKey(fast)).toEqual(byKey(new Aggregator([{ $group: s }], mingoOptions()).run(clean) as Doc[]));
      }),
      { numRuns: 1000 },
    );
    expect(answered).toBeGreaterThan(50);
  });

  it('answers only counts and sums by top-level fields', () => {
    const docs = [{ a: 'x', b: 2 }];
    expect(countingGroup({ _id: '$a', n: { $sum: 1 } })?.(docs)).toEqual([{ _id: 'x', n: 1 }]);
    for (const other of [{ _id: '$a.b', n: { $sum: 1 } }, { _id: null, n: { $sum: 1 } }, { _id: '$a', n: { $avg: '$b' } }, { _id: '$a', n: { $sum: { $multiply: ['$b', 2] } } }, { _id: { $toLower: '$a' }, n: { $sum: 1 } }]) {
      expect(countingGroup(other)).toBeUndefined();
    }
  });
});
