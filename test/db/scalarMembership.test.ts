import fc from 'fast-check';
import { ObjectId } from 'bson';
import { Query } from 'mingo';
import { scalarMembership } from '../../src/db/embedded/membership';
import { compileFilter, mingoOptions } from '../../src/db/embedded/query';
import { Doc } from '../../src/db/embedded/values';

// The embedded server answers a top-level $in over scalars from a set instead of mingo's $in (which hashed
// the whole list for every document); it must match exactly what the $eq alternatives match.
const ids = [new ObjectId('64b000000000000000000001'), new ObjectId('64b000000000000000000002')];
const scalar = fc.oneof(fc.constantFrom('a', 'b', '', '5', 5, 5.5, 0, -0, true, false, new Date(0), new Date(1), ...ids));
const leaf = fc.oneof(scalar, fc.constant(null), fc.constant([]), fc.array(scalar, { maxLength: 3 }), fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }));
const goal = fc.record({ id: leaf, acts: fc.oneof(leaf, fc.array(fc.record({ id: leaf }), { maxLength: 3 })) }, { requiredKeys: [] });
const doc = fc.record({ id: leaf, status: leaf, goals: fc.oneof(leaf, fc.array(goal, { maxLength: 3 })) }, { requiredKeys: [] });
const path = fc.constantFrom('id', 'status', 'goals.id', 'goals.acts.id', 'missing');

const reference = (p: string, list: unknown[]) => {
  const q = new Query(list.length ? { $or: list.map((v) => ({ [p]: { $eq: v } })) } : { [p]: { $in: [] } }, mingoOptions());
  return (d: Doc) => q.test(d);
};

describe('a top-level $in over scalars, or equality to one', () => {
  it('matches the same documents as its $eq alternatives, through arrays at every depth', () => {
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 8 }), path, fc.array(scalar, { maxLength: 4 }), (docs, p, list) => {
        const fast = compileFilter({ [p]: { $in: list } }, mingoOptions());
        expect(docs.map((d) => fast(d as Doc))).toEqual(docs.map(reference(p, list)));
      }),
      { numRuns: 500 },
    );
  });

  it('equality to one scalar, plain or $eq, matches what mingo\'s $eq matches', () => {
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 8 }), path, scalar, fc.boolean(), (docs, p, v, explicit) => {
        const fast = compileFilter({ [p]: explicit ? { $eq: v } : v }, mingoOptions());
        expect(docs.map((d) => fast(d as Doc))).toEqual(docs.map(reference(p, [v])));
      }),
      { numRuns: 500 },
    );
  });

  it('is taken out of the filter only when every value is a scalar and the condition is $in or $eq alone', () => {
    expect(scalarMembership({ a: { $in: ['x', 5, ids[0]] }, b: 1, c: { $eq: 'y' }, d: { $ne: 1 } }, mingoOptions()).rest).toEqual({ d: { $ne: 1 } });
    for (const kept of [{ a: { $in: [null] } }, { a: null }, { a: /x/ }, { a: { b: 1 } }, { a: [1] }, { a: { $eq: null } }, { a: { $in: [/x/] } }, { a: { $in: [[1]] } }, { a: { $in: [{ b: 1 }] } }, { a: { $in: ['x'], $ne: 'y' } }, { 'a.0': { $in: ['x'] } }, { 'a.0': 'x' }, { $or: [{ a: 1 }] }]) {
      expect(scalarMembership(kept, mingoOptions()).rest).toEqual(kept);
    }
  });

  it('still combines with the rest of the filter', () => {
    const test = compileFilter({ tenantId: 't1', _id: { $in: ids } }, mingoOptions());
    expect([{ tenantId: 't1', _id: ids[0] }, { tenantId: 't2', _id: ids[0] }, { tenantId: 't1', _id: new ObjectId() }].map(test)).toEqual([true, false, false]);
  });
});
