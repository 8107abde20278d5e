import { Query } from 'mingo';
import { CommandError } from './errors';
import { IndexSpec } from './indexSpecs';
import { SortedList } from './sortedList';
import { compareValues, typeRank, valueKey } from './ordering';
import { cloneValue, Doc, isPlainObject } from './values';

interface Entry {
  key: unknown[];
  rid: number;
}

/** An interval over one field's values; an `Edge` stands for the lowest/highest value of a BSON type. */
export interface Interval {
  lo: unknown;
  loInc: boolean;
  hi: unknown;
  hiInc: boolean;
}
export class Edge {
  constructor(
    readonly rank: number,
    readonly top: boolean,
  ) {}
}

function cmpBound(v: unknown, b: unknown): number {
  if (b instanceof Edge) {
    const r = typeRank(v);
    if (r !== b.rank) return r < b.rank ? -1 : 1;
    return b.top ? -1 : 1;
  }
  return compareValues(v, b);
}

/** Values of `path` in `doc` as an index sees them: arrays along the path are expanded into elements. */
export function indexValues(doc: unknown, path: string): { values: unknown[]; array: boolean } {
  const parts = path.split('.');
  const out: unknown[] = [];
  let array = false;
  const walk = (v: unknown, i: number): void => {
    if (i === parts.length) {
      if (Array.isArray(v)) {
        array = true;
        if (v.length === 0) out.push(v);
        else out.push(...v);
      } else {
        out.push(v === undefined ? null : v);
      }
      return;
    }
    if (Array.isArray(v)) {
      const idx = /^\d+$/.test(parts[i]) ? Number(parts[i]) : -1;
      if (idx >= 0) return walk(v[idx], i + 1);
      array = true;
      if (v.length === 0) return walk(undefined, parts.length);
      for (const el of v) walk(el, i);
      return;
    }
    if (isPlainObject(v)) return walk(v[parts[i]], i + 1);
    walk(undefined, parts.length);
  };
  walk(doc, 0);
  return { values: out, array };
}

function hasPath(doc: unknown, path: string): boolean {
  return indexValues(doc, path).values.some((v) => v !== null);
}

/** An index owns copies of its keys and spec: nothing it holds is shared with documents or replies. */
export class Index {
  readonly spec: IndexSpec;
  readonly fields: { path: string; dir: number }[];
  readonly text: boolean;
  multikey = false;
  private readonly entries: SortedList<Entry>;
  /** The keys each record was indexed under, so removal needs no copy of the old document. */
  private readonly keysByRid = new Map<number, unknown[][]>();
  private readonly partial?: Query;

  constructor(spec: IndexSpec) {
    this.spec = cloneValue(spec);
    this.text = Object.values(spec.key).includes('text');
    this.fields = Object.entries(spec.key).map(([path, d]) => ({ path, dir: d === -1 ? -1 : 1 }));
    this.entries = new SortedList((a, b) => this.compareEntries(a, b));
    if (spec.partialFilterExpression) this.partial = new Query(spec.partialFilterExpression);
  }

  get name(): string {
    return this.spec.name;
  }

  get unique(): boolean {
    return this.spec.unique === true || this.spec.name === '_id_';
  }

  get size(): number {
    return this.entries.size;
  }

  private compareEntries(a: Entry, b: Entry): number {
    for (let i = 0; i < this.fields.length; i++) {
      const c = compareValues(a.key[i], b.key[i]);
      if (c) return c * this.fields[i].dir;
    }
    return a.rid - b.rid;
  }

  /** The distinct key tuples of `doc`, or none when the index skips it (sparse, partial, text). */
  keysFor(doc: Doc): unknown[][] {
    if (this.text) return [];
    if (this.spec.sparse && !this.fields.some((f) => hasPath(doc, f.path))) return [];
    if (this.partial && !this.partial.test(doc)) return [];
    let tuples: unknown[][] = [[]];
    let arrayField: string | undefined;
    for (const f of this.fields) {
      const { values, array } = indexValues(doc, f.path);
      if (array) {
        if (arrayField !== undefined) {
          throw new CommandError('CannotIndexParallelArrays', `cannot index parallel arrays [${f.path}] [${arrayField}]`);
        }
        arrayField = f.path;
      }
      const next: unknown[][] = [];
      for (const t of tuples) for (const v of values) next.push([...t, v]);
      tuples = next;
    }
    if (tuples.length <= 1) return tuples;
    const seen = new Set<string>();
    return tuples.filter((t) => {
      const k = valueKey(t);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  add(rid: number, keys: unknown[][]): void {
    if (keys.length > 1 || keys.some((k) => k.some(Array.isArray))) this.multikey = true;
    const own = cloneValue(keys);
    this.keysByRid.set(rid, own);
    for (const key of own) this.entries.insert({ key, rid });
  }

  remove(rid: number): void {
    for (const key of this.keysByRid.get(rid) ?? []) this.entries.remove({ key, rid });
    this.keysByRid.delete(rid);
  }

  has(rid: number): boolean {
    return this.keysByRid.has(rid);
  }

  /** The key tuples record `rid` is indexed under (the index's own copies: read, never change). */
  keysOf(rid: number): readonly (readonly unknown[])[] | undefined {
    return this.keysByRid.get(rid);
  }

  /** The record id of another document already holding one of `keys`, if the index is unique. */
  conflict(keys: unknown[][], self: number | undefined): { rid: number; key: unknown[] } | undefined {
    if (!this.unique) return undefined;
    for (const key of keys) {
      const probe = (e: Entry): number => this.compareKeyPrefix(e.key, key);
      for (const e of this.entries.iterateFrom(probe)) {
        if (probe(e) !== 0) break;
        if (e.rid !== self) return { rid: e.rid, key };
      }
    }
    return undefined;
  }

  private compareKeyPrefix(entryKey: unknown[], prefix: unknown[]): number {
    for (let i = 0; i < prefix.length; i++) {
      const c = compareValues(entryKey[i], prefix[i]);
      if (c) return c * this.fields[i].dir;
    }
    return 0;
  }

  /**
   * Record ids whose key lies in the bounds: `points` fix the leading fields, `range` (optional) bounds
   * the next one. `onKey` is called for every key examined.
   */
  *scan(points: unknown[], range: Interval | undefined, onKey: () => void): Generator<number> {
    const j = points.length;
    const dir = range ? this.fields[j].dir : 1;
    const startBound = range ? (dir === 1 ? range.lo : range.hi) : undefined;
    const probe = (e: Entry): number => {
      const c = this.compareKeyPrefix(e.key, points);
      if (c || !range) return c;
      return cmpBound(e.key[j], startBound) * dir;
    };
    for (const e of this.entries.iterateFrom(probe)) {
      onKey();
      if (this.compareKeyPrefix(e.key, points) !== 0) return;
      if (range) {
        const v = e.key[j];
        const aboveLo = cmpBound(v, range.lo);
        const belowHi = cmpBound(v, range.hi);
        if ((dir === 1 && (belowHi > 0 || (belowHi === 0 && !range.hiInc))) || (dir === -1 && (aboveLo < 0 || (aboveLo === 0 && !range.loInc)))) return;
        if (aboveLo < 0 || (aboveLo === 0 && !range.loInc) || belowHi > 0 || (belowHi === 0 && !range.hiInc)) continue;
      }
      yield e.rid;
    }
  }

  /** For TTL sweeps and index maintenance: every (key, rid) in index order. */
  *all(): Generator<Entry> {
    yield* this.entries.iterateFrom();
  }
}
