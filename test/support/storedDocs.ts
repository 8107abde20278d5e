import fc from 'fast-check';
import { ObjectId } from 'bson';
import { Doc } from '../../src/db/embedded/values';

// Documents and field paths for property tests of the embedded server's own stages against mingo.
const scalar = fc.constantFrom<unknown>('done', '', 0, 2.5, true, null, new Date(0), new ObjectId('64b000000000000000000001'));
const names = ['a', 'b', 'c', '_id'] as const;
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...names), tie('v'), { maxKeys: 3 })),
})).v;
export const storedDoc = fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 4 }) as fc.Arbitrary<Doc>;
export const fieldPath = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }).map((p) => p.join('.'));
export { scalar };

/**
 * Runs `numRuns` cases: where mingo answers and the plain version takes the case, `check` compares them.
 * Returns how many cases were compared.
 */
export function againstMingo<S>(
  docs: fc.Arbitrary<Doc[]>,
  spec: fc.Arbitrary<S>,
  numRuns: number,
  run: { mingo: (s: S, docs: Doc[]) => unknown; plain: (s: S, docs: Doc[]) => unknown },
  check: (plain: unknown, mingo: unknown, docs: Doc[]) => void,
): number {
  let answered = 0;
  fc.assert(
    fc.property(docs, spec, (d, s) => {
      let expected: unknown;
      try {
        expected = run.mingo(s, d);
      } catch {
        return;
      }
      const got = run.plain(s, d);
      if (got === undefined) return;
      answered++;
      check(got, expected, d);
    }),
    { numRuns },
  );
  return answered;
}
