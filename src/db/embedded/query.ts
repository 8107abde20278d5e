import { Query } from 'mingo';
import type { Options } from 'mingo/types/types';
import { Collection } from './collection';
import { CommandError, toCommandError } from './errors';
import { indexValues } from './indexes';
import { plan } from './planner';
import { compareValues, Doc, isPlainObject, restoreHints } from './values';

export type MingoOptions = Partial<Options>;

export function mingoOptions(resolve?: (coll: string) => Doc[]): MingoOptions {
  return { collectionResolver: resolve, useStrictMode: true, scriptEnabled: false };
}

export function compileFilter(filter: unknown, opts: MingoOptions): (doc: Doc) => boolean {
  if (filter === undefined || filter === null) return () => true;
  if (!isPlainObject(filter)) throw new CommandError('TypeMismatch', "BSON field 'filter' is the wrong type, expected type 'object'");
  if (Object.keys(filter).length === 0) return () => true;
  try {
    const q = new Query(filter, opts);
    return (doc) => {
      try {
        return q.test(doc);
      } catch (err) {
        throw toCommandError(err);
      }
    };
  } catch (err) {
    throw toCommandError(err);
  }
}

export interface Match {
  rid: number;
  doc: Doc;
}

export interface SelectOptions {
  sort?: Doc;
  skip?: number;
  limit?: number;
}

export interface Selection {
  matches: Match[];
  indexName?: string;
}

/** Documents of `coll` matching `filter`, using an index when one fits, in sort order. */
export function select(coll: Collection | undefined, filter: unknown, opts: MingoOptions, sel: SelectOptions = {}): Selection {
  const comparator = sel.sort && Object.keys(sel.sort).length ? sortComparator(sel.sort) : undefined;
  const p = coll && isPlainObject(filter) ? plan(coll, filter) : undefined;
  const test = p?.exact ? () => true : compileFilter(filter, opts);
  if (!coll || !p) return { matches: [] };
  const skip = sel.skip ?? 0;
  const stopAt = !comparator && sel.limit ? skip + sel.limit : Infinity;
  const matches: Match[] = [];
  for (const rid of p.rids) {
    const doc = coll.records.get(rid);
    if (!doc) continue;
    coll.stats.docsExamined++;
    if (!test(doc)) continue;
    matches.push({ rid, doc });
    if (matches.length >= stopAt) break;
  }
  let out = matches;
  if (comparator) {
    const keyed = out.map((m) => ({ m, k: comparator.keys(m.doc) }));
    keyed.sort((a, b) => comparator.compare(a.k, b.k));
    out = keyed.map((x) => x.m);
  }
  if (skip || sel.limit) out = out.slice(skip, sel.limit ? skip + sel.limit : undefined);
  return { matches: out, indexName: p.index?.name };
}

export interface SortComparator {
  keys(doc: Doc): unknown[];
  compare(a: unknown[], b: unknown[]): number;
}

/** mongod's find sort: an array field sorts by its smallest element ascending, its largest descending. */
export function sortComparator(spec: Doc): SortComparator {
  const fields = Object.entries(spec).map(([path, d]) => {
    if (d === 1 || d === -1) return { path, dir: d };
    if (isPlainObject(d) && d.$meta !== undefined) return { path, dir: -1 };
    throw new CommandError('BadValue', '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
  });
  return {
    keys: (doc) =>
      fields.map(({ path, dir }) => {
        const { values } = indexValues(doc, path);
        let best: unknown = values[0];
        for (const v of values) if (compareValues(v, best) * dir < 0) best = v;
        return Array.isArray(best) ? null : best;
      }),
    compare: (a, b) => {
      for (let i = 0; i < fields.length; i++) {
        const c = compareValues(a[i], b[i]);
        if (c) return c * fields[i].dir;
      }
      return 0;
    },
  };
}

/** Applies a find-style projection with mingo, keeping exact number types of projected fields. */
export function project(docs: Doc[], projection: unknown, opts: MingoOptions): Doc[] {
  if (!isPlainObject(projection) || Object.keys(projection).length === 0) return docs;
  try {
    const out = new Query({}, opts).find(docs, projection).all() as Doc[];
    out.forEach((d, i) => restoreHints(d, docs[i]));
    return out;
  } catch (err) {
    throw toCommandError(err);
  }
}
