import fc from 'fast-check';
import { sameValue, valueKey } from '../../src/db/embedded/ordering';
import { storedDoc } from '../support/storedDocs';

// An update is "no change" exactly when the document's value key is unchanged; sameValue decides it without the keys.
describe('embedded server: sameValue', () => {
  it('agrees with comparing value keys, for unrelated documents and for a document against a changed copy', () => {
    const changed = storedDoc.chain((a) => fc.tuple(fc.constant(a), fc.oneof(storedDoc, fc.constant(structuredClone(a)), storedDoc.map((b) => ({ ...a, ...b })))));
    fc.assert(
      fc.property(changed, ([a, b]) => {
        expect(sameValue(a, b)).toBe(valueKey(a) === valueKey(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('counts numbers mongod holds equal as the same, and field order, null against missing and arrays as values do', () => {
    expect(sameValue({ n: 5, m: -0 }, { n: 5.0, m: 0 })).toBe(true);
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameValue({ a: null }, { a: undefined })).toBe(true);
    expect(sameValue({ a: [1] }, { a: 1 })).toBe(false);
    expect(sameValue({ a: [] }, { a: {} })).toBe(false);
    expect(sameValue(new Date(5), new Date(5))).toBe(true);
  });
});
