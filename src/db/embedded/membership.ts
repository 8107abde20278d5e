import { Query } from 'mingo';
import type { Options } from 'mingo/types/types';
import { indexValues } from './indexes';
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
    const wanted = new Set(list.map(valueKey));
    let alternatives: Query | undefined;
    const asMingo = (doc: Readonly<Doc>): boolean => (alternatives ??= new Query(list.length ? { $or: list.map((v) => ({ [path]: { $eq: v } })) } : { [path]: { $in: [] } }, opts)).test(doc);
    tests.push((doc) => (meetsNestedArray(doc, path) ? asMingo(doc) : indexValues(doc, path).values.some((v) => wanted.has(valueKey(v)))));
  }
  return { tests, rest };
}

/** Whether `path` in `doc` meets an array directly inside an array, where mingo's path rules are its own: those documents it decides. */
function meetsNestedArray(doc: unknown, path: string): boolean {
  const parts = path.split('.');
  const walk = (v: unknown, i: number): boolean => {
    if (Array.isArray(v)) return v.some((el) => Array.isArray(el) || (i < parts.length && walk(el, i)));
    return i < parts.length && isPlainObject(v) && walk(v[parts[i]], i + 1);
  };
  return walk(doc, 0);
}
