import fc from 'fast-check';
import { plainProjection } from '../../src/db/embedded/projection';
import { mingoOptions, project } from '../../src/db/embedded/query';
import { cloneValue, deepFreeze, isPlainObject } from '../../src/db/embedded/values';
import { againstMingo, fieldPath, storedDoc } from '../support/storedDocs';

// find's plain projections (`{ userId: 1, 'reviews.kind': 1 }`, `{ 'goals.reflections': 0 }`) are done on the
// stored documents without mingo; they must give what mingo's projection gave, fields in the same order.
const spec = fc.dictionary(fc.oneof(fieldPath, fc.constant('_id')), fc.constantFrom<unknown>(1, true, 0, false), { minKeys: 1, maxKeys: 3 });

/**
 * Whether some array of these documents holds both documents and other values. There the reference (mingo,
 * then `orderLike` by array position) lines an element up with the wrong stored one once a scalar is
 * dropped, so only values are compared; the plain projection keeps the document's order (mongod's).
 */
const mixesScalarsAndDocuments = (v: unknown): boolean =>
  Array.isArray(v) ? (v.some(isPlainObject) && v.some((x) => !isPlainObject(x))) || v.some(mixesScalarsAndDocuments) : isPlainObject(v) && Object.values(v).some(mixesScalarsAndDocuments);

/** A value with its fields' order made visible to toEqual. */
const ordered = (v: unknown): unknown => (Array.isArray(v) ? v.map(ordered) : isPlainObject(v) ? Object.entries(v).map(([k, x]) => [k, ordered(x)]) : v);

describe('plain projections', () => {
  it('keep or drop what mingo keeps or drops, in the document’s field order', () => {
    const answered = againstMingo(
      fc.array(storedDoc, { maxLength: 5 }),
      spec,
      3000,
      { mingo: (s, docs) => project(cloneValue(docs), s, mingoOptions()), plain: (s, docs) => plainProjection(s) && deepFreeze(cloneValue(docs)).map(plainProjection(s)!) },
      (got, expected, docs) => (mixesScalarsAndDocuments(docs) ? expect(got).toEqual(expected) : expect(ordered(got)).toEqual(ordered(expected))),
    );
    expect(answered).toBeGreaterThan(1000);
  });

  it('leave positional, $slice, $elemMatch, expressions, `_id` paths and mixed projections to mingo', () => {
    for (const s of [{ 'a.$': 1 }, { a: { $slice: 1 } }, { a: { $elemMatch: { b: 1 } } }, { a: '$b' }, { '_id.x': 1 }, { a: 1, b: 0 }, { _id: 1, a: 0 }, { a: 1, 'a.b': 1 }, {}]) {
      expect(plainProjection(s)).toBeUndefined();
    }
  });
});
