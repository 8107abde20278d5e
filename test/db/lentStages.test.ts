import fc from 'fast-check';
import { Aggregator } from 'mingo';
import { lentStage } from '../../src/db/embedded/lentStages';
import { mingoOptions } from '../../src/db/embedded/query';
import { cloneValue, deepFreeze, Doc } from '../../src/db/embedded/values';
import { againstMingo, fieldPath, scalar, storedDoc } from '../support/storedDocs';

// Reports keep a few fields, unwind goals and activities and match, on stored documents; the embedded server
// does those stages itself (streaming, sharing parts with the stored document). They must give mingo's rows.
const opts = mingoOptions();
const stage = fc.oneof(
  fc.dictionary(fc.oneof(fieldPath, fc.constant('_id')), fc.constantFrom<unknown>(1, true, 0), { minKeys: 1, maxKeys: 3 }).map((p) => ({ $project: p })),
  fieldPath.map((p) => ({ $unwind: `$${p}` })),
  fieldPath.map((p) => ({ $unwind: { path: `$${p}` } })),
  fc.tuple(fieldPath, scalar).map(([p, v]) => ({ $match: { [p]: v } })),
  fc.tuple(fieldPath, fc.boolean()).map(([p, v]) => ({ $match: { [p]: { $exists: v } } })),
);

// computed projections: the expressions reports use, over numbers, strings, dates, arrays of documents
const leaf = fc.constantFrom<unknown>(0, 1, 2.5, -3, NaN, 'done', '', null, true, new Date(0), new Date(5));
const part: fc.Arbitrary<unknown> = fc.oneof(leaf, fc.array(fc.oneof(leaf, fc.dictionary(fc.constantFrom('b', 'c'), leaf, { maxKeys: 2 })), { maxLength: 3 }));
const computedDoc = fc.record({ _id: fc.integer(), a: part, b: part, c: fc.dictionary(fc.constantFrom('b', 'c'), part, { maxKeys: 2 }) }, { requiredKeys: ['_id'] }) as fc.Arbitrary<Doc>;
const expression: fc.Arbitrary<unknown> = fc.letrec<{ e: unknown }>((tie) => {
  const e = tie('e');
  const two = fc.tuple(e, e);
  return {
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('$a', '$b', '$a.b', '$c.b', '$c.c', '$b.c', 0, 1, 'x', null, true),
      e.map((x) => ({ $sum: x })),
      two.map((x) => ({ $sum: x })),
      two.map((x) => ({ $ifNull: x })),
      fc.tuple(e, e, e).map((x) => ({ $cond: x })),
      fc.tuple(e, e, e).map(([i, t, f]) => ({ $cond: { if: i, then: t, else: f } })),
      fc.tuple(fc.constantFrom('$eq', '$ne', '$gte', '$lt', '$gt', '$lte', '$and', '$or'), two).map(([op, x]) => ({ [op]: x })),
      e.map((x) => ({ $size: x })),
      e.map((x) => ({ $not: [x] })),
      two.map((x) => ({ $concatArrays: x })),
      fc.tuple(e, fc.constantFrom('$$x', '$$x.b', { $sum: ['$$x.b', 1] }, { $ifNull: ['$$x.c', '$$x.b'] })).map(([input, body]) => ({ $map: { input, as: 'x', in: body } })),
      fc.tuple(e, fc.constantFrom<unknown>(0, [])).map(([input, initialValue]) => ({ $reduce: { input, initialValue, in: initialValue === 0 ? { $sum: ['$$value', '$$this.b'] } : { $concatArrays: ['$$value', { $ifNull: ['$$this.b', []] }] } } })),
    ),
  };
}).e;

const byMingo = (s: Doc, docs: Doc[]) => new Aggregator([s], opts).run(cloneValue(docs)) as Doc[];

describe('stages on lent documents', () => {
  it('give the rows mingo gives, in its order, from deep-frozen stored documents', () => {
    const answered = againstMingo(fc.array(storedDoc, { maxLength: 6 }), stage, 3000, { mingo: byMingo, plain: (s, docs) => { const plain = lentStage(s, opts); return plain && Array.from(plain(deepFreeze(cloneValue(docs)))); } }, (got, expected) => expect(got).toEqual(expected));
    expect(answered).toBeGreaterThan(1000);
  });

  it('compute the fields mingo computes', () => {
    const spec = fc.tuple(expression, fc.boolean()).map(([e, keepId]) => ({ $project: { ...(keepId ? {} : { _id: 0 }), a: 1, out: e } }));
    const computed = (s: Doc, docs: Doc[]) => {
      const plain = lentStage(s, opts);
      expect(plain).toBeDefined();
      return Array.from(plain!(deepFreeze(cloneValue(docs))));
    };
    const answered = againstMingo(fc.array(computedDoc, { maxLength: 5 }), spec, 3000, { mingo: byMingo, plain: computed }, (got, expected) => expect(got).toEqual(expected));
    expect(answered).toBeGreaterThan(1000);
  });

  it('leave expressions they do not know, mixed projections and option-carrying unwinds to mingo', () => {
    for (const s of [{ $project: { a: 1, b: 0 } }, { $project: { a: { $toUpper: '$b' } } }, { $project: { a: '$$NOW' } }, { $project: { 'a.$': 1 } }, { $unwind: { path: '$a', preserveNullAndEmptyArrays: true } }, { $unwind: { path: '$a', includeArrayIndex: 'i' } }, { $match: { $text: { $search: 'x' } } }, { $addFields: { a: 1 } }]) {
      expect(lentStage(s, opts)).toBeUndefined();
    }
  });

  it('stream: the next stage sees the first row before the last document is unwound', () => {
    let read = 0;
    function* stored() {
      for (let i = 0; i < 1000; i++) {
        read++;
        yield { _id: i, goals: [{ activities: [1, 2] }] } as Doc;
      }
    }
    const rows = lentStage({ $unwind: '$goals.activities' }, opts)!(lentStage({ $unwind: '$goals' }, opts)!(stored()));
    const first = rows[Symbol.iterator]().next();
    expect(first.value).toEqual({ _id: 0, goals: { activities: 1 } });
    expect(read).toBe(1);
  });
});
