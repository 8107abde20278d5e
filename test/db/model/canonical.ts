import { Command, Doc } from './commands';

/**
 * A plain JSON tree for comparing what two servers answered: field order is not compared (not modelled,
 * see the README), array order is; dates and ObjectIds become tagged strings.
 */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v instanceof Date) return { $date: v.toISOString() };
  if (v !== null && typeof v === 'object') {
    const bsonType = (v as { _bsontype?: string })._bsontype;
    if (bsonType === 'ObjectId') return { $oid: String(v) };
    if (bsonType) return { [`$${bsonType}`]: String(v) };
    const out: Doc = {};
    for (const k of Object.keys(v).sort()) if ((v as Doc)[k] !== undefined) out[k] = canonical((v as Doc)[k]);
    return out;
  }
  if (Object.is(v, -0)) return 0;
  return v;
}

export const keyOf = (v: unknown): string => JSON.stringify(canonical(v));

/** For answers in no specified order: the same values sorted by their canonical form. */
export function unordered(docs: unknown[]): unknown[] {
  return docs.map(canonical).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** An answer as compared: in order where MongoDB specifies one (a total sort), otherwise as a multiset. */
export function answer(cmd: Command, value: unknown): unknown {
  const inOrder = cmd.kind === 'aggregate' || (cmd.kind === 'find' && cmd.sort !== undefined);
  return Array.isArray(value) && !inOrder ? unordered(value) : canonical(value);
}

/** A deep copy of plain data (objects, arrays, dates) that shares nothing with the original. */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (v !== null && typeof v === 'object' && !(v as { _bsontype?: string })._bsontype) {
    const out: Doc = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as T;
  }
  return v;
}
