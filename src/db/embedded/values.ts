import { Binary, Decimal128, Double, Long, ObjectId, Timestamp } from 'bson';

/**
 * Documents are held in "query form": every BSON number becomes a JS number so that mingo compares
 * Int32, Double, Long and Decimal128 values with each other correctly. The exact wire type of a number
 * that a JS number cannot carry (an integral Double, any Long or Decimal128) is remembered in a hint
 * stored under a symbol on the containing object/array, keyed by field name. A hint applies only while
 * the field still holds the number it was recorded for, so values changed by updates fall back to the
 * default mapping (integral and within int32 → Int32, otherwise Double).
 */
export const HINTS = Symbol('bsonNumberHints');

export type Doc = Record<string, unknown>;
type Raw = Double | Long | Decimal128;
type Hints = Record<string, { num: number; raw: Raw }>;
type Hinted = { [HINTS]?: Hints };

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function bsonType(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' ? (v as { _bsontype?: string })._bsontype : undefined;
}

export function isPlainObject(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function numberOf(v: unknown): { num: number; raw?: Raw } | undefined {
  switch (bsonType(v)) {
    case 'Int32':
      return { num: (v as { value: number }).value };
    case 'Double': {
      const num = (v as Double).value;
      const wouldBeInt32 = Number.isInteger(num) && num >= INT32_MIN && num <= INT32_MAX && !Object.is(num, -0);
      return wouldBeInt32 ? { num, raw: v as Double } : { num };
    }
    case 'Long':
      return { num: (v as Long).toNumber(), raw: v as Long };
    case 'Decimal128':
      return { num: Number.parseFloat((v as Decimal128).toString()), raw: v as Decimal128 };
    default:
      return undefined;
  }
}

function setHint(container: object, key: string, num: number, raw: Raw): void {
  const c = container as Hinted;
  // enumerable so that object spreads/assigns made by mingo carry the hints along
  if (!c[HINTS]) Object.defineProperty(c, HINTS, { value: {}, enumerable: true, writable: true, configurable: true });
  c[HINTS]![key] = { num, raw };
}

/** Converts a value deserialized with `promoteValues: false` into query form (in place for containers). */
export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = convertChild(value, String(i), value[i]);
    return value;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) value[key] = convertChild(value, key, value[key]);
    return value;
  }
  const n = numberOf(value);
  return n ? n.num : value;
}

function convertChild(container: object, key: string, v: unknown): unknown {
  const n = numberOf(v);
  if (!n) return Array.isArray(v) || isPlainObject(v) ? fromWire(v) : v;
  if (n.raw) setHint(container, key, n.num, n.raw);
  return n.num;
}

/** Returns a value ready for BSON serialization, restoring hinted number types; shares unchanged subtrees. */
export function toWire(value: unknown): unknown {
  if (Array.isArray(value)) {
    const hints = (value as Hinted)[HINTS];
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const w = wireChild(hints, String(i), value[i]);
      if (w !== value[i]) {
        out ??= value.slice();
        out[i] = w;
      }
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    const hints = (value as Hinted)[HINTS];
    let out: Doc | undefined;
    for (const key of Object.keys(value)) {
      const w = wireChild(hints, key, value[key]);
      if (w !== value[key]) {
        out ??= { ...value };
        out[key] = w;
      }
    }
    return out ?? value;
  }
  return value;
}

function wireChild(hints: Hints | undefined, key: string, v: unknown): unknown {
  if (typeof v === 'number') {
    const h = hints?.[key];
    return h && Object.is(h.num, v) ? h.raw : v;
  }
  return toWire(v);
}

/** Deep copy of a query-form value that keeps hints, for copy-on-write updates. */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) {
    const out = value.map(cloneValue);
    copyHints(value, out);
    return out as T;
  }
  if (isPlainObject(value)) {
    const out: Doc = {};
    for (const key of Object.keys(value)) out[key] = cloneValue(value[key]);
    copyHints(value, out);
    return out as T;
  }
  if (value instanceof Date) return new Date(value.getTime()) as T;
  return value;
}

function copyHints(from: object, to: object): void {
  const h = (from as Hinted)[HINTS];
  if (h) for (const [k, v] of Object.entries(h)) setHint(to, k, v.num, v.raw);
}

/** Records the exact BSON type a client sent for `parent[key]`, taking it from the client's container. */
export function transferHint(fromContainer: object, fromKey: string, toContainer: object, toKey: string): void {
  const h = (fromContainer as Hinted)[HINTS]?.[fromKey];
  const target = toContainer as Hinted;
  if (h) setHint(toContainer, toKey, h.num, h.raw);
  else if (target[HINTS]) delete target[HINTS][toKey];
}

export function hintedRaw(container: object, key: string): Raw | undefined {
  const h = (container as Hinted)[HINTS]?.[key];
  return h && Object.is(h.num, (container as Record<string, unknown>)[key]) ? h.raw : undefined;
}

export function setNumberType(container: object, key: string, raw: Raw): void {
  const num = numberOf(raw)?.num ?? Number.NaN;
  setHint(container, key, num, raw);
}

/** Copies hints from `source` onto structurally equal parts of `target` (e.g. a projection of `source`). */
export function restoreHints(target: unknown, source: unknown): void {
  if (target === source || target === null || source === null || typeof target !== 'object' || typeof source !== 'object') return;
  const srcHints = (source as Hinted)[HINTS];
  for (const key of Object.keys(target)) {
    const t = (target as Doc)[key];
    const s = (source as Doc)[key];
    if (typeof t === 'number') {
      const h = srcHints?.[key];
      if (h && Object.is(h.num, t)) setHint(target, key, h.num, h.raw);
    } else {
      restoreHints(t, s);
    }
  }
}

// ---- BSON ordering -------------------------------------------------------------------------------

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
