import fc from 'fast-check';
import { ObjectId } from 'bson';
import { Aggregator } from 'mingo';
import { plainGroup } from '../../src/db/embedded/plainGroup';
import { mingoOptions } from '../../src/db/embedded/query';
import { Doc } from '../../src/db/embedded/values';

// The embedded server groups by the expressions reports use itself; whenever it does, it must give mingo's
// groups, in mingo's order (first appearance).
const value = fc.oneof(fc.constantFrom('applied', 'csv', '', '5', 5, 2.5, 0, -0, NaN, true, false, null, new Date(0), new ObjectId('64b000000000000000000001')), fc.constant(undefined), fc.constant([1]), fc.constant({ a: 1 }));
const doc = fc.record({ source: value, status: value, hours: value, duplicates: fc.oneof(fc.integer({ min: 0, max: 3 }), value), goals: fc.record({ activities: fc.record({ source: value, hours: value, completedHours: value, status: value }, { requiredKeys: [] }) }, { requiredKeys: [] }) }, { requiredKeys: [] });
const spec = fc.constantFrom<Doc>(
  { _id: { source: '$source', status: '$status' }, n: { $sum: 1 }, duplicates: { $sum: '$duplicates' } },
  { _id: '$status', n: { $sum: 1 } },
  { _id: '$source', hours: { $sum: '$hours' }, n: { $sum: 2 } },
  { _id: null, n: { $sum: 1 }, avg: { $avg: '$hours' }, first: { $first: '$status' } },
  { _id: { $ifNull: ['$goals.activities.source', 'manual'] }, completions: { $sum: 1 }, hours: { $sum: { $ifNull: ['$goals.activities.completedHours', '$goals.activities.hours'] } } },
  { _id: '$goals.activities.status', people: { $addToSet: '$source' }, all: { $push: '$hours' }, done: { $sum: { $cond: [{ $and: [{ $eq: ['$status', 'applied'] }] }, 1, 0] } } },
  { _id: '$hours', first: { $first: '$goals' }, statuses: { $addToSet: '$status' } },
);

const byMingo = (s: Doc, docs: Doc[]) => new Aggregator([{ $group: s }], mingoOptions()).run(docs) as Doc[];

describe('plain $group', () => {
  it('gives the groups mingo gives, or leaves the stage to mingo', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 30 }), spec, (docs, s) => {
        const clean = docs.map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as Doc);
        const fast = plainGroup(s)!(clean);
        if (!fast) return;
        answered++;
        expect(fast).toEqual(byMingo(s, clean));
      }),
      { numRuns: 2000 },
    );
    expect(answered).toBeGreaterThan(300);
  });

  it('leaves accumulators and expressions it does not know to mingo', () => {
    expect(plainGroup({ _id: '$a', n: { $sum: 1 } })?.([{ a: 'x', b: 2 }])).toEqual([{ _id: 'x', n: 1 }]);
    for (const other of [{ _id: '$a', n: { $max: '$b' } }, { _id: '$a', n: { $stdDevPop: '$b' } }, { _id: { $toLower: '$a' }, n: { $sum: 1 } }, { _id: '$a', n: { $sum: { $multiply: ['$b', 2] } } }, { n: { $sum: 1 } }]) {
      expect(plainGroup(other)).toBeUndefined();
    }
  });
});
