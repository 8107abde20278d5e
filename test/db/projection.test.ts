import fc from 'fast-check';
import { ObjectId } from 'bson';
import { plainProjection } from '../../src/db/embedded/projection';
import { mingoOptions, project } from '../../src/db/embedded/query';
import { cloneValue, deepFreeze, Doc, isPlainObject } from '../../src/db/embedded/values';

// find's plain projections (`{ userId: 1, 'reviews.kind': 1 }`, `{ 'goals.reflections': 0 }`) are done on the
// stored documents without mingo; they must give what mingo's projection gave, fields in the same order.
const scalar = fc.constantFrom<unknown>('done', '', 0, 2.5, true, null, new Date(0), new ObjectId('64b000000000000000000001'));
const names = ['a', 'b', 'c', '_id'] as const;
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...names), tie('v'), { maxKeys: 3 })),
})).v;
const doc = fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 4 }) as fc.Arbitrary<Doc>;
const path = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }).map((p) => p.join('.'));
const spec = fc.dictionary(fc.oneof(path, fc.constant('_id')), fc.constantFrom<unknown>(1, true, 0, false), { minKeys: 1, maxKeys: 3 });

/** A value with its fields' order made visible to toEqual. */
const ordered = (v: unknown): unknown => (Array.isArray(v) ? v.map(ordered) : isPlainObject(v) ? Object.entries(v).map(([k, x]) => [k, ordered(x)]) : v);

const byMingo = (s: Doc, docs: Doc[]): Doc[] | Error => {
  try {
    return project(cloneValue(docs), s, mingoOptions());
  } catch (err) {
    return err as Error;
  }
};

describe('plain projections', () => {
  it('keep or drop what mingo keeps or drops, in the document’s field order', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 5 }), spec, (docs, s) => {
        const expected = byMingo(s, docs);
        const plain = plainProjection(s);
        if (!plain || expected instanceof Error) return;
        answered++;
        expect(ordered(deepFreeze(cloneValue(docs)).map(plain))).toEqual(ordered(expected));
      }),
      { numRuns: 3000 },
    );
    expect(answered).toBeGreaterThan(1000);
  });

  it('leave positional, $slice, $elemMatch, expressions, `_id` paths and mixed projections to mingo', () => {
    for (const s of [{ 'a.$': 1 }, { a: { $slice: 1 } }, { a: { $elemMatch: { b: 1 } } }, { a: '$b' }, { '_id.x': 1 }, { a: 1, b: 0 }, { _id: 1, a: 0 }, { a: 1, 'a.b': 1 }, {}]) {
      expect(plainProjection(s)).toBeUndefined();
    }
  });
});
