import { Query } from 'mingo';
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
  /** Candidates come in the requested sort order, so they need no sorting. */
  sorted: boolean;
}

interface SortField {
  path: string;
  dir: number;
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
  /** 1 or -1 when scanning the index forward or backward yields the sort order, 0 when it does not. */
  sortDir: number;
  score: number;
}

/**
 * Whether the index, its leading `fixed` fields pinned to one value each, orders documents as `sort` asks
 * (sort fields pinned by the filter are ignored). Multikey, sparse and collated indexes never do.
 */
function sortDirection(index: Index, fixed: number, sort: SortField[]): number {
  if (index.multikey || index.spec.sparse || index.spec.collation) return 0;
  const pinned = new Set(index.fields.slice(0, fixed).map((f) => f.path));
  const rest = sort.filter((f) => !pinned.has(f.path));
  let dir = 1;
  for (let k = 0; k < rest.length; k++) {
    const f = index.fields[fixed + k];
    if (!f || f.path !== rest[k].path) return 0;
    const d = f.dir * rest[k].dir;
    if (k > 0 && d !== dir) return 0;
    dir = d;
  }
  return dir;
}

/** One field's condition of a partial filter, as a query on that field alone. */
interface PartialCondition {
  path: string;
  query: Query;
}

/** The operators mongod allows in a partial filter: none negates, so a value that passes also passes inside an array. */
const PARTIAL_OPERATORS = new Set(['$eq', '$exists', '$gt', '$gte', '$lt', '$lte', '$type', '$in']);
const partialConditions = new WeakMap<Index, PartialCondition[] | null>();

/** The partial filter as per-field conditions, or null when it has a shape this planner does not reason about. */
function conditionsOf(index: Index): PartialCondition[] | null {
  if (partialConditions.has(index)) return partialConditions.get(index)!;
  const out: PartialCondition[] = [];
  const collect = (expr: Doc): boolean =>
    Object.entries(expr).every(([path, cond]) => {
      if (path === '$and') return Array.isArray(cond) && cond.every((c) => isPlainObject(c) && collect(c));
      if (path.startsWith('$')) return false;
      if (isPlainObject(cond) && !Object.keys(cond).every((op) => PARTIAL_OPERATORS.has(op))) return false;
      out.push({ path, query: new Query({ [path]: cond }) });
      return true;
    });
  const conditions = collect(index.spec.partialFilterExpression as Doc) ? out : null;
  partialConditions.set(index, conditions);
  return conditions;
}

/** A document holding only `value` at `path` (a dotted path makes subdocuments). */
function holding(path: string, value: unknown): Doc {
  return path.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Doc;
}

/**
 * Whether every document the filter can match is in this partial index: each field the partial filter names
 * is pinned by the filter to plain values that all pass that field's condition.
 */
function partialCovers(index: Index, bounds: Map<string, FieldBounds[]>): boolean {
  const conditions = conditionsOf(index);
  return (
    !!conditions?.length &&
    conditions.every(({ path, query }) => {
      const points = bounds.get(path)?.find((b) => b.points)?.points;
      return !!points?.length && points.every((v) => isSimple(v) && query.test(holding(path, v)));
    })
  );
}

function planFor(index: Index, bounds: Map<string, FieldBounds[]>, sort: SortField[]): Candidate | undefined {
  if (index.text || (index.spec.partialFilterExpression && !partialCovers(index, bounds))) return undefined;
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
  const sortDir = sort.length && combos === 1 ? sortDirection(index, pointLists.length, sort) : 0;
  if (pointLists.length === 0 && !range && !sortDir) return undefined;
  const exact = index.unique && pointLists.length === index.fields.length;
  // Between otherwise equal indexes, one value is taken to select fewer documents than a list of them: a
  // teacher's events by (tenant, person) rather than by (tenant, status in three statuses).
  const score = (exact ? 1000 : 0) + pointLists.length * 10 + (range ? 5 : 0) + (sortDir ? 7 : 0) - index.fields.length * 0.1 - Math.min(combos - 1, 9) * 0.01;
  const pointFields = index.fields.slice(0, pointLists.length).map((f) => f.path);
  return { index, pointFields, points: cartesian(pointLists), range, sortDir, score };
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

/** Plain ascending/descending sort fields, or none when the sort asks for anything else ($meta). */
function sortFields(sort: Doc | undefined): SortField[] {
  const fields = Object.entries(sort ?? {}).map(([path, dir]) => ({ path, dir: dir as number }));
  return fields.every((f) => f.dir === 1 || f.dir === -1) ? fields : [];
}

/**
 * Chooses the best usable index for `filter` (or none) and yields candidate record ids; with `sort`, an
 * index that yields them in that order after the filter's equality prefix is preferred.
 */
export function plan(coll: Collection, filter: Doc, sort?: Doc): Plan {
  const best = bestCandidate(coll, filter, sortFields(sort));
  if (!best) return { rids: coll.rids(), exact: false, sorted: false };
  const chosen = best;
  const onKey = (): void => void coll.stats.keysExamined++;
  function* rids(): Generator<number> {
    const seen = chosen.index.multikey || chosen.points.length > 1 ? new Set<number>() : undefined;
    for (const points of chosen.points) {
      for (const rid of chosen.index.scan(points, chosen.range, onKey, chosen.sortDir === -1)) {
        if (seen) {
          if (seen.has(rid)) continue;
          seen.add(rid);
        }
        yield rid;
      }
    }
  }
  return { index: chosen.index, rids: rids(), exact: decidedByPoints(filter, chosen.pointFields), sorted: chosen.sortDir !== 0 };
}

function bestCandidate(coll: Collection, filter: Doc, order: SortField[]): Candidate | undefined {
  const bounds = new Map<string, FieldBounds[]>();
  collectBounds(filter, bounds);
  let best: Candidate | undefined;
  if (bounds.size || order.length) {
    for (const ix of coll.indexes) {
      const c = planFor(ix, bounds, order);
      if (c && (!best || c.score > best.score)) best = c;
    }
  }
  return best;
}

/**
 * How many documents match `filter`, counted from the index alone (mongod's COUNT_SCAN) when the chosen
 * index's bounds decide the filter and it holds one entry per document; undefined otherwise.
 */
export function countByIndex(coll: Collection, filter: Doc): { n: number; indexName: string } | undefined {
  const chosen = bestCandidate(coll, filter, []);
  if (!chosen || chosen.index.multikey || !decidedByPoints(filter, chosen.pointFields)) return undefined;
  return { n: chosen.points.reduce((n, points) => n + chosen.index.countKeys(points, chosen.range), 0), indexName: chosen.index.name };
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
