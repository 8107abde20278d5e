import { Collection } from './collection';
import { Edge, Index, Interval } from './indexes';
import { compareValues, typeRank, valueKey } from './ordering';
import { Doc, isPlainObject } from './values';

/** What one filter says about one field that an index can use. */
interface FieldBounds {
  points?: unknown[];
  interval?: Interval;
}

export interface Plan {
  index?: Index;
  rids: Iterable<number>;
  /** The index bounds alone decide the filter, so candidates need no further matching. */
  exact: boolean;
}

const MAX_POINT_COMBINATIONS = 1000;

function usableValue(v: unknown): boolean {
  return !(v instanceof RegExp) && !Array.isArray(v) && !(isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$')));
}

function rangeFor(op: string, v: unknown): Interval | undefined {
  if (v === null || v === undefined || Array.isArray(v) || v instanceof RegExp) return undefined;
  const rank = typeRank(v);
  if (rank === 1 || rank === 13) return undefined;
  switch (op) {
    case '$gt':
      return { lo: v, loInc: false, hi: new Edge(rank, true), hiInc: true };
    case '$gte':
      return { lo: v, loInc: true, hi: new Edge(rank, true), hiInc: true };
    case '$lt':
      return { lo: new Edge(rank, false), loInc: true, hi: v, hiInc: false };
    case '$lte':
      return { lo: new Edge(rank, false), loInc: true, hi: v, hiInc: true };
    default:
      return undefined;
  }
}

function intersect(a: Interval, b: Interval): Interval {
  const lo = a.lo instanceof Edge ? b : b.lo instanceof Edge ? a : compareValues(a.lo, b.lo) >= 0 ? a : b;
  const hi = a.hi instanceof Edge ? b : b.hi instanceof Edge ? a : compareValues(a.hi, b.hi) <= 0 ? a : b;
  return { lo: lo.lo, loInc: lo.loInc, hi: hi.hi, hiInc: hi.hiInc };
}

/** Collects per-path bounds from top-level field conditions and `$and` branches. */
function collectBounds(filter: Doc, out: Map<string, FieldBounds[]>): void {
  for (const [path, cond] of Object.entries(filter)) {
    if (path === '$and' && Array.isArray(cond)) {
      for (const sub of cond) if (isPlainObject(sub)) collectBounds(sub, out);
      continue;
    }
    if (path.startsWith('$')) continue;
    const list = out.get(path) ?? [];
    out.set(path, list);
    if (isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$'))) {
      for (const [op, v] of Object.entries(cond)) {
        if (op === '$eq' && usableValue(v)) list.push({ points: [v] });
        else if (op === '$in' && Array.isArray(v) && v.every(usableValue)) list.push({ points: v });
        else {
          const interval = rangeFor(op, v);
          if (interval) list.push({ interval });
        }
      }
    } else if (usableValue(cond)) {
      list.push({ points: [cond] });
    }
  }
}

interface Candidate {
  index: Index;
  pointFields: string[];
  points: unknown[][];
  range?: Interval;
  score: number;
}

function planFor(index: Index, bounds: Map<string, FieldBounds[]>): Candidate | undefined {
  if (index.text || index.spec.partialFilterExpression) return undefined;
  const pointLists: unknown[][] = [];
  let range: Interval | undefined;
  let combos = 1;
  for (const { path } of index.fields) {
    const fb = bounds.get(path) ?? [];
    const pts = fb.find((b) => b.points)?.points;
    if (pts) {
      const unique = dedupe(pts);
      if (index.spec.sparse && unique.some((p) => p === null)) return undefined;
      if (combos * unique.length > MAX_POINT_COMBINATIONS) break;
      combos *= unique.length;
      pointLists.push(unique);
      continue;
    }
    const intervals = fb.filter((b) => b.interval).map((b) => b.interval!);
    if (intervals.length) range = index.multikey ? intervals[0] : intervals.reduce(intersect);
    break;
  }
  if (pointLists.length === 0 && !range) return undefined;
  const exact = index.unique && pointLists.length === index.fields.length;
  const score = (exact ? 1000 : 0) + pointLists.length * 10 + (range ? 5 : 0) - index.fields.length * 0.1;
  const pointFields = index.fields.slice(0, pointLists.length).map((f) => f.path);
  return { index, pointFields, points: cartesian(pointLists), range, score };
}

function dedupe(values: unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const v of values) if (!seen.has(valueKey(v))) seen.set(valueKey(v), v);
  return [...seen.values()];
}

function cartesian(lists: unknown[][]): unknown[][] {
  let out: unknown[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((v) => [...prefix, v]));
  return out;
}

/** Chooses the best usable index for `filter` (or none) and yields candidate record ids. */
export function plan(coll: Collection, filter: Doc): Plan {
  const bounds = new Map<string, FieldBounds[]>();
  collectBounds(filter, bounds);
  let best: Candidate | undefined;
  if (bounds.size) {
    for (const ix of coll.indexes) {
      const c = planFor(ix, bounds);
      if (c && (!best || c.score > best.score)) best = c;
    }
  }
  if (!best) return { rids: coll.rids(), exact: false };
  const chosen = best;
  const onKey = (): void => void coll.stats.keysExamined++;
  function* rids(): Generator<number> {
    const seen = chosen.index.multikey || chosen.points.length > 1 ? new Set<number>() : undefined;
    for (const points of chosen.points) {
      for (const rid of chosen.index.scan(points, chosen.range, onKey)) {
        if (seen) {
          if (seen.has(rid)) continue;
          seen.add(rid);
        }
        yield rid;
      }
    }
  }
  return { index: chosen.index, rids: rids(), exact: decidedByPoints(filter, chosen.pointFields) };
}

/** Values whose index-key equality is exactly mongod's query equality (no null/missing, array or subdocument subtleties). */
function isSimple(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return !Number.isNaN(v);
    default:
      return v instanceof Date || (typeof v === 'object' && v !== null && (v as { _bsontype?: string })._bsontype === 'ObjectId');
  }
}

function decidedByPoints(filter: Doc, pointFields: string[]): boolean {
  const fields = Object.keys(filter);
  return (
    fields.length > 0 &&
    fields.every((f) => {
      if (!pointFields.includes(f)) return false;
      const c = filter[f];
      if (isSimple(c)) return true;
      if (!isPlainObject(c) || Object.keys(c).length !== 1) return false;
      if ('$eq' in c) return isSimple(c.$eq);
      return Array.isArray(c.$in) && c.$in.every(isSimple);
    })
  );
}
