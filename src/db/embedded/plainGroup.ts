import { ObjectId } from 'bson';
import { Compiled, compileExpression, isNumber, OFF } from './expressions';
import { valueKey } from './ordering';
import { FIELD_NAME } from './projection';
import { Doc, isPlainObject } from './values';

// A `$group` whose key and accumulators ($sum, $avg, $first, $push, $addToSet) are expressions
// `compileExpression` knows, done in one pass without mingo's machinery: reports count and sum over whole
// ledgers and over every goal × activity row (~5x faster). Anything else, and any row whose key is not a
// plain scalar (or a document of them), or whose $addToSet value is not one, leaves the stage to mingo over
// the same rows, so results never differ.

type Scalar = string | number | boolean | Date | ObjectId | null;
interface Accumulator {
  name: string;
  start: () => unknown;
  add: (state: unknown, value: unknown) => unknown;
  end: (state: unknown) => unknown;
  /** undefined: the constant counted for each row ({ $sum: 1 }). */
  value?: Compiled;
}

const isScalar = (v: unknown): v is Scalar => (v === null || ['string', 'number', 'boolean'].includes(typeof v) || v instanceof Date || v instanceof ObjectId) && !Object.is(v, -0) && !Number.isNaN(v);

/** The group key of a row, as a string equal for equal keys, and the `_id` it shows. */
interface GroupKey {
  of: (scope: { root: Readonly<Doc>; vars: Record<string, unknown> }) => unknown[];
  idOf: (values: unknown[]) => unknown;
}

function scalarOf(v: unknown): Scalar {
  const value = v ?? null;
  if (isScalar(value)) return value;
  throw OFF; // -0, NaN, arrays, documents: mingo's hashing decides
}

/** `_id: <expression>`, or `_id: { name: <expression>, ... }` kept as its values (no document per row). */
function groupKeyOf(spec: unknown): GroupKey | undefined {
  const named = isPlainObject(spec) && Object.keys(spec).length > 0 && Object.keys(spec).every((k) => FIELD_NAME.test(k));
  if (!named) {
    const id = compileExpression(spec);
    return id && { of: (scope) => [scalarOf(id(scope))], idOf: (values) => values[0] };
  }
  const names = Object.keys(spec);
  const parts = names.map((n) => compileExpression(spec[n]));
  if (!parts.every(Boolean)) return undefined;
  return {
    // a field that is missing is left out of the shown _id; mingo's hashing of such keys decides
    of: (scope) => parts.map((f) => {
      const v = f!(scope);
      if (v === undefined) throw OFF;
      return scalarOf(v);
    }),
    idOf: (values) => Object.fromEntries(names.map((n, i) => [n, values[i]])),
  };
}

function accumulatorOf(name: string, spec: unknown): Accumulator | undefined {
  if (!isPlainObject(spec) || Object.keys(spec).length !== 1) return undefined;
  const [op] = Object.keys(spec);
  const arg = spec[op];
  if (op === '$sum' && typeof arg === 'number') return { name, start: () => 0, add: (n) => (n as number) + arg, end: (n) => n };
  const value = compileExpression(arg);
  if (!value) return undefined;
  const list = { start: (): unknown[] => [], end: (l: unknown) => l };
  switch (op) {
    case '$sum':
      return { name, value, start: () => 0, add: (n, v) => (isNumber(v) ? (n as number) + v : n), end: (n) => n };
    case '$avg':
      return { name, value, start: () => [0, 0], add: (s, v) => (isNumber(v) ? [(s as number[])[0] + v, (s as number[])[1] + 1] : s), end: (s) => ((s as number[])[1] ? (s as number[])[0] / (s as number[])[1] : null) };
    case '$first':
      return { name, value, start: () => OFF, add: (s, v) => (s === OFF ? (v ?? null) : s), end: (s) => s };
    case '$push':
      return { name, value, ...list, add: (l, v) => ((l as unknown[]).push(v ?? null), l) };
    case '$addToSet':
      return { name, value, start: () => new Map<string, unknown>(), add: addUnique, end: (m) => [...(m as Map<string, unknown>).values()] };
    default:
      return undefined;
  }
}

function addUnique(seen: unknown, v: unknown): unknown {
  const value = v ?? null;
  if (!isScalar(value)) throw OFF;
  const key = valueKey(value);
  if (!(seen as Map<string, unknown>).has(key)) (seen as Map<string, unknown>).set(key, value);
  return seen;
}

/**
 * For a `$group` of known expressions, what gives the groups of `docs`, or undefined when a row needs
 * mingo; undefined when mingo must run this `$group` at all.
 */
export function plainGroup(spec: Doc): ((docs: readonly Readonly<Doc>[]) => Doc[] | undefined) | undefined {
  const { _id: idSpec, ...rest } = spec;
  if (!('_id' in spec)) return undefined;
  const id = groupKeyOf(idSpec);
  const accumulators = Object.entries(rest).map(([name, acc]) => accumulatorOf(name, acc));
  if (!id || !accumulators.every(Boolean)) return undefined;
  return (docs) => {
    try {
      return groupsOf(docs, id, accumulators as Accumulator[]);
    } catch (err) {
      if (err === OFF) return undefined;
      throw err;
    }
  };
}

function groupsOf(docs: readonly Readonly<Doc>[], id: GroupKey, accumulators: Accumulator[]): Doc[] {
  const groups = new Map<string, { id: unknown; states: unknown[] }>();
  // one scope for every row: compiled expressions read it and never keep it
  const scope: { root: Readonly<Doc>; vars: Record<string, unknown> } = { root: {}, vars: {} };
  for (const root of docs) {
    scope.root = root;
    const values = id.of(scope);
    const k = values.length === 1 ? valueKey(values[0]) : values.map(valueKey).join('|');
    let group = groups.get(k);
    if (!group) {
      group = { id: id.idOf(values), states: accumulators.map((a) => a.start()) };
      groups.set(k, group);
    }
    for (const [i, a] of accumulators.entries()) group.states[i] = a.add(group.states[i], a.value?.(scope));
  }
  return [...groups.values()].map((g) => ({ _id: g.id, ...Object.fromEntries(accumulators.map((a, i) => [a.name, a.end(g.states[i])])) }));
}
