import { Binary, ObjectId, Timestamp } from 'bson';
import { bsonType, Doc, isPlainObject, numberOf } from './values';

/** Canonical BSON comparison order of types (numbers compare with each other across types). */
export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 2;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 3;
    case 'string':
      return 4;
    case 'boolean':
      return 9;
    default:
      break;
  }
  if (Array.isArray(v)) return 6;
  if (v instanceof Date) return 10;
  if (v instanceof RegExp) return 12;
  switch (bsonType(v)) {
    case 'MinKey':
      return 1;
    case 'MaxKey':
      return 13;
    case 'Binary':
      return 7;
    case 'ObjectId':
      return 8;
    case 'Timestamp':
      return 11;
    case 'BSONRegExp':
      return 12;
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return 3;
    case 'BSONSymbol':
      return 4;
    default:
      return 5;
  }
}

function cmpPrim(a: number | string | bigint, b: number | string | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpNumbers(a: number, b: number): number {
  // mongod orders NaN below every other number
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return cmpPrim(a, b);
}

function bytesOf(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

/** Total order over query-form values matching mongod's BSON comparison. */
export function compareValues(a: unknown, b: unknown): number {
  // fast paths for what index keys mostly hold
  if (typeof a === 'string' && typeof b === 'string') return cmpPrim(a, b);
  if (a instanceof ObjectId && b instanceof ObjectId) return Buffer.compare(a.id, b.id);
  if (a instanceof Date && b instanceof Date) return cmpPrim(a.getTime(), b.getTime());
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 3:
      return cmpNumbers(toNumber(a), toNumber(b));
    case 4:
      return cmpPrim(String(a), String(b));
    case 5:
      return compareObjects(a as Doc, b as Doc);
    case 6: {
      const xa = a as unknown[];
      const xb = b as unknown[];
      for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
        const c = compareValues(xa[i], xb[i]);
        if (c) return c;
      }
      return cmpPrim(xa.length, xb.length);
    }
    case 7: {
      const ba = bytesOf(a as Binary);
      const bb = bytesOf(b as Binary);
      if (ba.length !== bb.length) return cmpPrim(ba.length, bb.length);
      const st = cmpPrim((a as Binary).sub_type, (b as Binary).sub_type);
      if (st) return st;
      return Buffer.compare(ba, bb);
    }
    case 8:
      return Buffer.compare((a as ObjectId).id, (b as ObjectId).id);
    case 9:
      return cmpPrim(Number(a), Number(b));
    case 10:
      return cmpPrim((a as Date).getTime(), (b as Date).getTime());
    case 11: {
      const ta = a as Timestamp;
      const tb = b as Timestamp;
      return cmpPrim(ta.t, tb.t) || cmpPrim(ta.i, tb.i);
    }
    case 12: {
      const sa = regexParts(a);
      const sb = regexParts(b);
      return cmpPrim(sa[0], sb[0]) || cmpPrim(sa[1], sb[1]);
    }
    default:
      return 0;
  }
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as { pattern: string; options: string };
  return [r.pattern, r.options];
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return numberOf(v)?.num ?? Number.NaN;
}

function compareObjects(a: Doc, b: Doc): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const c = typeRank(a[ka[i]]) - typeRank(b[kb[i]]) || cmpPrim(ka[i], kb[i]) || compareValues(a[ka[i]], b[kb[i]]);
    if (c) return c < 0 ? -1 : 1;
  }
  return cmpPrim(ka.length, kb.length);
}

/** A string equal for exactly the values mongod considers equal (5 and 5.0 alike), for hashing. */
export function valueKey(v: unknown): string {
  if (v === undefined || v === null) return 'z';
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? 'n0' : `n${v}`;
    case 'string':
      return `s${JSON.stringify(v)}`;
    case 'boolean':
      return v ? 'b1' : 'b0';
    case 'bigint':
      return `n${v}`;
    default:
      break;
  }
  if (Array.isArray(v)) return `[${v.map(valueKey).join(',')}]`;
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof RegExp) return `r${JSON.stringify([v.source, v.flags])}`;
  if (isPlainObject(v)) return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${valueKey(v[k])}`).join(',')}}`;
  switch (bsonType(v)) {
    case 'ObjectId':
      return `o${(v as ObjectId).toHexString()}`;
    case 'Binary':
      return `x${(v as Binary).sub_type}:${Buffer.from(bytesOf(v as Binary)).toString('base64')}`;
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return `n${toNumber(v)}`;
    default:
      return `${bsonType(v) ?? 'x'}${JSON.stringify(v)}`;
  }
}

/**
 * Whether `valueKey(a) === valueKey(b)`, without building either string: an update compares a whole
 * document before and after, and the first difference settles it.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null) return (a === undefined || a === null) && (b === undefined || b === null);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], b[k]));
  }
  if (Array.isArray(b) || isPlainObject(b)) return false;
  return valueKey(a) === valueKey(b);
}
