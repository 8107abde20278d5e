// What a change made in memory to a lean document amounts to, as a small $set (the write casts and sends
// only what changed, not every subdocument of a big plan).

type Doc = Record<string, unknown>;

const isPlain = (v: unknown): v is Doc => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
const isObjectId = (v: unknown): v is { equals(o: unknown): boolean } => typeof v === 'object' && v !== null && (v as { _bsontype?: string })._bsontype === 'ObjectId';

/** A deep copy of a lean document: arrays and plain objects copied, dates copied, ObjectIds and other values shared (nothing changes them in place). */
export function snapshot<T>(value: T): T {
  if (Array.isArray(value)) return value.map(snapshot) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlain(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, snapshot(v)])) as T;
  return value;
}

function sameLeaf(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (isObjectId(a) && isObjectId(b)) return a.equals(b);
  return a === b;
}

/**
 * Adds to `out` the paths under `path` where `after` differs from `before`. It goes down into arrays of the same
 * length (with no undefined element) and objects with the same defined keys; anywhere else the whole value is
 * set, as a $set of it would.
 */
function collect(path: string, before: unknown, after: unknown, out: Doc): void {
  const defined = (xs: unknown[]) => xs.every((x) => x !== undefined);
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && defined(before) && defined(after)) {
    after.forEach((v, i) => collect(`${path}.${i}`, before[i], v, out));
    return;
  }
  if (isPlain(before) && isPlain(after)) {
    const keys = (d: Doc) => Object.keys(d).filter((k) => d[k] !== undefined).sort().join('\u0000');
    if (keys(before) === keys(after)) {
      for (const k of Object.keys(after)) if (after[k] !== undefined) collect(`${path}.${k}`, before[k], after[k], out);
      return;
    }
  }
  if (Array.isArray(after) || isPlain(after) || !sameLeaf(before, after)) out[path] = after;
}

/**
 * The $set that turns `before` into `after` (both lean documents, `before` a snapshot taken before the change):
 * each top-level field but `skip` that changed, narrowed down to the subdocuments and array elements that did.
 * Writing it where the stored document is still `before` (a conditional write) leaves `after`.
 */
export function changedFields(before: Doc, after: Doc, skip: readonly string[]): Doc {
  const out: Doc = {};
  for (const [k, v] of Object.entries(after)) {
    if (skip.includes(k)) continue;
    if (v === undefined) {
      if (before[k] !== undefined) out[k] = undefined;
      continue;
    }
    collect(k, before[k], v, out);
  }
  return out;
}
