import { Query } from 'mingo';
import { CommandError } from './errors';
import { IndexSpec } from './indexSpecs';
import { SortedList } from './sortedList';
import { compareValues, typeRank, valueKey } from './ordering';
import { cloneValue, Doc, isPlainObject } from './values';

/** One index entry: the key tuple's values followed by the record id, in one flat array (memory at scale). */
type Entry = unknown[];

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

/**
 * An index over a collection's stored documents. Its keys are values of the stored, frozen documents
 * (see `ownedCopy`), never of a client's document or a reply, so they need no copies of their own.
 */
export class Index {
  readonly spec: IndexSpec;
  readonly fields: { path: string; dir: number }[];
  readonly text: boolean;
  multikey = false;
  private readonly entries: SortedList<Entry>;
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
    const n = this.fields.length;
    for (let i = 0; i < n; i++) {
      const c = compareValues(a[i], b[i]);
      if (c) return c * this.fields[i].dir;
    }
    return (a[n] as number) - (b[n] as number);
  }

  /** The distinct key tuples of `doc`, or none when the index skips it (sparse, partial, text). */
  keysFor(doc: Readonly<Doc>): unknown[][] {
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

  /** Indexes record `rid` under `keys`, which must come from `keysFor` of the stored document. */
  add(rid: number, keys: unknown[][]): void {
    if (keys.length > 1 || keys.some((k) => k.some(Array.isArray))) this.multikey = true;
    for (const key of keys) this.entries.insert([...key, rid]);
  }

  /** Removes record `rid`, given the stored document it was indexed from. */
  remove(rid: number, stored: Readonly<Doc>): void {
    this.removeKeys(rid, this.keysFor(stored));
  }

  /** Removes record `rid` from under `keys`, which must be `keysFor` of the document it was indexed from. */
  removeKeys(rid: number, keys: unknown[][]): void {
    for (const key of keys) this.entries.remove([...key, rid]);
  }

  /** The record id of another document already holding one of `keys`, if the index is unique. */
  conflict(keys: unknown[][], self: number | undefined): { rid: number; key: unknown[] } | undefined {
    if (!this.unique) return undefined;
    for (const key of keys) {
      const probe = (e: Entry): number => this.compareKeyPrefix(e, key);
      for (const e of this.entries.iterateFrom(probe)) {
        if (probe(e) !== 0) break;
        const rid = e[this.fields.length] as number;
        if (rid !== self) return { rid, key };
      }
    }
    return undefined;
  }

  private compareKeyPrefix(entryKey: Entry, prefix: unknown[]): number {
    for (let i = 0; i < prefix.length; i++) {
      const c = compareValues(entryKey[i], prefix[i]);
      if (c) return c * this.fields[i].dir;
    }
    return 0;
  }

  /** Where entry `e` lies in index order against the bounds: before them (-1), inside (0) or after (1). */
  private position(e: Entry, points: unknown[], range: Interval | undefined): number {
    const c = this.compareKeyPrefix(e, points);
    if (c || !range) return c;
    const v = e[points.length];
    const lo = cmpBound(v, range.lo);
    const hi = cmpBound(v, range.hi);
    const below = lo < 0 || (lo === 0 && !range.loInc);
    if (!below && !(hi > 0 || (hi === 0 && !range.hiInc))) return 0;
    return (below ? -1 : 1) * this.fields[points.length].dir;
  }

  /** How many keys lie in the bounds, without visiting them (one entry per document unless multikey). */
  countKeys(points: unknown[], range: Interval | undefined): number {
    return this.entries.countInside((e) => this.position(e, points, range));
  }

  /**
   * Record ids whose key lies in the bounds, in index order (`reverse`: the opposite): `points` fix the
   * leading fields, `range` (optional) bounds the next one. `onKey` is called for every key examined.
   */
  *scan(points: unknown[], range: Interval | undefined, onKey: () => void, reverse = false): Generator<number> {
    const at = (e: Entry): number => this.position(e, points, range);
    const entries = reverse ? this.entries.iterateDown((e) => (at(e) > 0 ? 1 : 0)) : this.entries.iterateFrom((e) => (at(e) < 0 ? -1 : 0));
    for (const e of entries) {
      onKey();
      if (at(e) !== 0) return;
      yield e[this.fields.length] as number;
    }
  }
}
