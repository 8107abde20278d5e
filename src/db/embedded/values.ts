import { Binary, Decimal128, Double, Long, ObjectId, Timestamp, UUID } from 'bson';

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

export function bsonType(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' ? (v as { _bsontype?: string })._bsontype : undefined;
}

export function isPlainObject(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function numberOf(v: unknown): { num: number; raw?: Raw } | undefined {
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

/**
 * Deep copy of a query-form value that keeps hints and shares nothing mutable with the original (dates,
 * ObjectIds, binaries and regexes are copied too). Like BSON, it drops undefined fields and turns
 * undefined array elements into null, so a copy is what a client would read back.
 */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) {
    const out = value.map((v) => (v === undefined ? null : cloneValue(v)));
    copyHints(value, out);
    return out as T;
  }
  if (isPlainObject(value)) {
    const out: Doc = {};
    for (const key of Object.keys(value)) if (value[key] !== undefined) out[key] = cloneValue(value[key]);
    copyHints(value, out);
    return out as T;
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof ObjectId) return new ObjectId(Buffer.from(value.id)) as T;
  if (value instanceof UUID) return new UUID(Buffer.from(value.buffer.subarray(0, value.position))) as T;
  if (value instanceof Binary) return new Binary(Buffer.from(value.buffer.subarray(0, value.position)), value.sub_type) as T;
  if (value instanceof RegExp) return new RegExp(value.source, value.flags) as T;
  if (value instanceof Timestamp) return new Timestamp({ t: value.t, i: value.i }) as T;
  return value;
}

/** Makes plain objects and arrays (and their hints) read-only all the way down; BSON value objects are left as they are. */
export function deepFreeze<T>(value: T): T {
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return Object.freeze(value);
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
