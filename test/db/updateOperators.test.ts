import fc from 'fast-check';
import { update as mingoUpdate } from 'mingo';
import { mingoOptions } from '../../src/db/embedded/query';
import { checkPathConflicts, updatePaths } from '../../src/db/embedded/updatePaths';
import { runOperators } from '../../src/db/embedded/updates';
import { cloneValue, Doc } from '../../src/db/embedded/values';

// The embedded server runs update operators one by one rather than through mingo's updater (which rebuilds
// its operator tables on every call). Whatever the document and the operators, both must leave the same
// document, or fail alike.
const opts = mingoOptions();
const scalar = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom('a', 'b', '', null, true), fc.constantFrom(new Date(0), new Date(86_400_000)));
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.record({ x: scalar, y: fc.array(scalar, { maxLength: 3 }) }, { requiredKeys: [] }));
const doc = fc.record({ _id: fc.constant(1), a: value, b: value, c: fc.array(value, { maxLength: 3 }), d: fc.record({ x: value }, { requiredKeys: [] }) }, { requiredKeys: ['_id'] });
const path = fc.constantFrom('a', 'b', 'c', 'd', 'd.x', 'd.y', 'c.0', 'c.1', 'e', 'e.f', 'a.x');
const number = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -3, max: 3, noNaN: true }));
const operation = fc.oneof(
  fc.record({ op: fc.constant('$set'), path, arg: value }),
  fc.record({ op: fc.constant('$unset'), path, arg: fc.constant('') }),
  fc.record({ op: fc.constantFrom('$inc', '$mul'), path, arg: number }),
  fc.record({ op: fc.constantFrom('$min', '$max'), path, arg: scalar }),
  fc.record({ op: fc.constantFrom('$push', '$addToSet'), path, arg: fc.oneof(scalar, fc.record({ $each: fc.array(scalar, { maxLength: 3 }) })) }),
  fc.record({ op: fc.constant('$pop'), path, arg: fc.constantFrom(1, -1) }),
  fc.record({ op: fc.constant('$pullAll'), path, arg: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ op: fc.constant('$rename'), path: fc.constantFrom('a', 'b', 'e'), arg: fc.constantFrom('g', 'h', 'd.z') }),
);

function refusesNothing(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

function outcome(run: () => void, target: Doc): { doc: Doc } | { error: string } {
  try {
    run();
    return { doc: target };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

test('running the update operators one by one leaves what mingo’s updater leaves', () => {
  fc.assert(
    fc.property(doc, fc.array(operation, { minLength: 1, maxLength: 3 }), (d, list) => {
      const ops: Doc = {};
      for (const { op, path: p, arg } of list) ops[op] = { ...(ops[op] as Doc | undefined), [p]: arg };
      // Conflicting paths are refused before the operators run, as mongod refuses them.
      fc.pre(refusesNothing(() => checkPathConflicts(updatePaths(ops))));
      const mine = cloneValue(d) as Doc;
      const theirs = cloneValue(d) as Doc;
      const a = outcome(() => runOperators(mine, ops, opts), mine);
      const b = outcome(() => mingoUpdate(theirs, ops as never, undefined, undefined, { cloneMode: 'copy', queryOptions: opts }), theirs);
      expect(a).toEqual(b);
    }),
    { numRuns: 2000 },
  );
});
