import { Doc, isPlainObject } from './values';

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
