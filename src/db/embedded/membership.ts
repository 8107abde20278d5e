import { Query } from 'mingo';
import type { Options } from 'mingo/types/types';
import { valueKey } from './ordering';
import { bsonType, Doc, isPlainObject } from './values';

const eqOf = (v: unknown): unknown => (v instanceof RegExp ? v : { $eq: v });

/**
 * mingo's `$in`/`$nin` look one array level into a dotted path's values, so `{'goals.acts.id': {$in: ['c']}}`
 * misses a 'c' in the second goal's activities; mongod (and mingo's `$eq`) look through every level. Such a
 * condition becomes `$eq` alternatives (`$or` for `$in`, `$nor` for `$nin`); the rest of the filter is kept.
 */
export function membershipAtEveryDepth(filter: Doc): Doc {
  const out: Doc = {};
  const extra: Doc[] = [];
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      out[key] = Array.isArray(cond) ? cond.map((c) => (isPlainObject(c) ? membershipAtEveryDepth(c) : c)) : cond;
      continue;
    }
    if (key.startsWith('$') || !key.includes('.') || !isPlainObject(cond) || !(Array.isArray(cond.$in) || Array.isArray(cond.$nin))) {
      out[key] = cond;
      continue;
    }
    const { $in, $nin, ...others } = cond as { $in?: unknown[]; $nin?: unknown[] } & Doc;
    if (Object.keys(others).length) out[key] = others;
    if ($in) extra.push($in.length ? { $or: $in.map((v) => ({ [key]: eqOf(v) })) } : { [key]: { $in: [] } });
    if ($nin?.length) extra.push({ $nor: $nin.map((v) => ({ [key]: eqOf(v) })) });
  }
  if (!extra.length) return out;
  return { ...out, $and: [...(Array.isArray(out.$and) ? out.$and : []), ...extra] };
}

const SCALAR_TYPES = new Set(['string', 'number', 'boolean']);
const isScalar = (v: unknown): boolean => SCALAR_TYPES.has(typeof v) || v instanceof Date || bsonType(v) === 'ObjectId';

export interface MembershipTests {
  /** Tests for the top-level `{path: {$in: [scalars]}}` conditions taken out of the filter. */
  tests: ((doc: Readonly<Doc>) => boolean)[];
  rest: Doc;
}

/**
 * mingo's `$in` hashes its whole list again for every document it tests, so a report asking for the
 * 1,000 people of a school spent ~400 ms there. A top-level `$in` over scalars (strings, numbers,
 * booleans, dates, ObjectIds: no null, regex, array or document, whose matching rules differ) is
 * answered here from one set keyed as mongod compares (5 equals 5.0), looking through arrays at every
 * depth as mongod does; the rest of the filter goes to mingo. Equality to one scalar (`{status: 'done'}`,
 * a report's test on every goal × activity row) is the same condition with one value.
 */
export function scalarMembership(filter: Doc, opts: Partial<Options>): MembershipTests {
  const tests: MembershipTests['tests'] = [];
  const rest: Doc = {};
  for (const [path, cond] of Object.entries(filter)) {
    const list = !isPlainObject(cond) ? [cond] : Object.keys(cond).length !== 1 ? undefined : '$eq' in cond ? [cond.$eq] : cond.$in;
    if (path.startsWith('$') || /(^|\.)\d+(\.|$)/.test(path) || !Array.isArray(list) || !list.every(isScalar)) {
      rest[path] = cond;
      continue;
    }
    const parts = path.split('.');
    const isWanted = oneOf(list);
    let alternatives: Query | undefined;
    const asMingo = (doc: Readonly<Doc>): boolean => (alternatives ??= new Query(list.length ? { $or: list.map((v) => ({ [path]: { $eq: v } })) } : { [path]: { $in: [] } }, opts)).test(doc);
    tests.push((doc) => {
      const found = valuesAt(doc, parts, 0, isWanted);
      return found === NESTED ? asMingo(doc) : found === 1;
    });
  }
  return { tests, rest };
}

/** A test for one of these scalars, as mongod compares them (5 equals 5.0): plain values directly, others by key. */
function oneOf(list: unknown[]): (v: unknown) => boolean {
  const plain = new Set(list.filter((v) => typeof v !== 'object'));
  const keyed = new Set(list.filter((v) => typeof v === 'object').map(valueKey));
  return (v) => (typeof v === 'object' || typeof v === 'bigint' ? v !== null && keyed.has(valueKey(v)) : plain.has(v));
}

const NESTED = 2;

/**
 * 1 when a value at `parts` passes `test` (arrays along the path looked through, as mongod does), 0 when
 * none does, NESTED when the path meets an array directly inside an array, where mingo's rules are its own.
 */
function valuesAt(v: unknown, parts: string[], i: number, test: (v: unknown) => boolean): number {
  if (Array.isArray(v)) {
    let found = 0;
    for (const el of v) {
      const r = Array.isArray(el) ? NESTED : i === parts.length ? Number(test(el)) : valuesAt(el, parts, i, test);
      if (r === NESTED) return NESTED;
      found ||= r;
    }
    return found;
  }
  if (i === parts.length) return Number(test(v));
  return isPlainObject(v) ? valuesAt(v[parts[i]], parts, i + 1, test) : 0;
}
