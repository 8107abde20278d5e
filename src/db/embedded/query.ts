import { MinKey } from 'bson';
import { Query } from 'mingo';
import type { Options } from 'mingo/types/types';
import { Collection } from './collection';
import { CommandError, toCommandError } from './errors';
import { indexValues } from './indexes';
import { membershipAtEveryDepth, scalarMembership } from './membership';
import { countByIndex, plan } from './planner';
import { textIndexOf, textSearch } from './text';
import { compareValues } from './ordering';
import { Doc, isPlainObject, restoreHints } from './values';

export type MingoOptions = Partial<Options>;

export function mingoOptions(resolve?: (coll: string) => Doc[]): MingoOptions {
  return { collectionResolver: resolve, useStrictMode: true, scriptEnabled: false };
}

export function compileFilter(filter: unknown, opts: MingoOptions): (doc: Doc) => boolean {
  if (filter === undefined || filter === null) return () => true;
  if (!isPlainObject(filter)) throw new CommandError('TypeMismatch', "BSON field 'filter' is the wrong type, expected type 'object'");
  if (Object.keys(filter).length === 0) return () => true;
  try {
    const { tests, rest } = scalarMembership(filter, opts);
    const q = Object.keys(rest).length ? new Query(membershipAtEveryDepth(rest), opts) : undefined;
    return (doc) => {
      try {
        return tests.every((t) => t(doc)) && (!q || q.test(doc));
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
  /** Hand out the stored, deep-frozen documents instead of copies, for a caller that only reads them. */
  lend?: boolean;
}

export interface Selection {
  matches: Match[];
  indexName?: string;
  /** $text relevance of each matched document, when the filter had $text. */
  scoreOf?: (doc: Doc) => number;
}

/** Documents of `coll` matching `filter`, using an index when one fits, in sort order. */
export function select(coll: Collection | undefined, filter: unknown, opts: MingoOptions, sel: SelectOptions = {}): Selection {
  let rest = filter;
  let textScores: Map<number, number> | undefined;
  if (isPlainObject(filter) && filter.$text !== undefined) {
    textScores = textSearch(coll, filter.$text);
    const { $text: _, ...others } = filter;
    rest = others;
  }
  const docScores = new Map<Doc, number>();
  const scoreOf = textScores ? (doc: Doc): number => docScores.get(doc) ?? 0 : undefined;
  const comparator = sel.sort && Object.keys(sel.sort).length ? sortComparator(sel.sort, scoreOf) : undefined;
  const p = coll && isPlainObject(rest) ? plan(coll, rest, textScores ? undefined : sel.sort) : undefined;
  // With $text the candidates come from the text index, so an "exact" index plan decides nothing.
  const test = p?.exact && !textScores ? () => true : compileFilter(rest, opts);
  if (!coll || !p) return { matches: [] };
  const skip = sel.skip ?? 0;
  const needsSort = comparator && !p.sorted;
  const stopAt = !needsSort && sel.limit ? skip + sel.limit : Infinity;
  const matches: Match[] = [];
  for (const rid of textScores ? textScores.keys() : p.rids) {
    const stored = coll.peek(rid);
    if (!stored) continue;
    coll.stats.docsExamined++;
    if (!test(stored)) continue;
    const doc = sel.lend ? (stored as Doc) : coll.read(rid)!;
    matches.push({ rid, doc });
    if (textScores) docScores.set(doc, textScores.get(rid)!);
    if (matches.length >= stopAt) break;
  }
  let out = matches;
  if (needsSort) out = sortBy(out, comparator, (m) => m.doc);
  if (skip || sel.limit) out = out.slice(skip, sel.limit ? skip + sel.limit : undefined);
  return { matches: out, indexName: textScores ? textIndexOf(coll).name : p.index?.name, scoreOf };
}

/** How many documents of `coll` match `filter`: from the index alone when it decides the filter, else by selecting them. */
export function countMatching(coll: Collection | undefined, filter: unknown, opts: MingoOptions): { n: number; indexName?: string } {
  if (!coll) return { n: 0 };
  if (isPlainObject(filter) && Object.keys(filter).length === 0) return { n: coll.count };
  const counted = isPlainObject(filter) && filter.$text === undefined ? countByIndex(coll, filter) : undefined;
  if (counted) return counted;
  const { matches, indexName } = select(coll, filter, opts, { lend: true });
  return { n: matches.length, indexName };
}

export interface SortComparator {
  keys(doc: Doc): unknown[];
  compare(a: unknown[], b: unknown[]): number;
}

const EMPTY_ARRAY_KEY = new MinKey();

/** mongod's find sort: an array field sorts by its smallest element ascending, its largest descending. */
export function sortComparator(spec: Doc, scoreOf?: (doc: Doc) => number): SortComparator {
  const fields = Object.entries(spec).map(([path, d]) => {
    if (d === 1 || d === -1) return { path, dir: d, meta: false };
    if (isPlainObject(d) && d.$meta === 'textScore') {
      if (!scoreOf) throw new CommandError('BadValue', 'query requires text score metadata, but it is not available');
      return { path, dir: -1, meta: true };
    }
    throw new CommandError('BadValue', '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
  });
  return {
    keys: (doc) =>
      fields.map(({ path, dir, meta }) => {
        if (meta) return scoreOf!(doc);
        const { values } = indexValues(doc, path);
        let best: unknown = values[0];
        for (const v of values) if (compareValues(v, best) * dir < 0) best = v;
        // an empty array sorts before null and missing fields
        return Array.isArray(best) ? EMPTY_ARRAY_KEY : best;
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

/** `items` ordered by `comparator` on the document each holds (each document's keys computed once). */
export function sortBy<T>(items: T[], comparator: SortComparator, docOf: (item: T) => Doc): T[] {
  const keyed = items.map((item) => ({ item, k: comparator.keys(docOf(item)) }));
  keyed.sort((a, b) => comparator.compare(a.k, b.k));
  return keyed.map((x) => x.item);
}

/**
 * Applies a find-style projection with mingo (plus `{$meta: "textScore"}` fields), keeping exact number types.
 * A positional projection (`goals.$`) needs the query's `filter`, which every document given matches.
 */
export function project(docs: Doc[], projection: unknown, opts: MingoOptions, scoreOf?: (doc: Doc) => number, filter: Doc = {}): Doc[] {
  if (!isPlainObject(projection) || Object.keys(projection).length === 0) return docs;
  const metaFields = Object.keys(projection).filter((k) => isPlainObject(projection[k]) && (projection[k] as Doc).$meta === 'textScore');
  if (metaFields.length && !scoreOf) throw new CommandError('BadValue', 'query requires text score metadata, but it is not available');
  const rest = { ...projection };
  for (const f of metaFields) delete rest[f];
  let out = docs;
  if (Object.keys(rest).length) {
    try {
      const positional = Object.keys(rest).some((k) => k.endsWith('.$'));
      const { $text: _, ...conditions } = filter;
      out = (new Query(positional ? conditions : {}, opts).find(docs, rest).all() as Doc[]).map((d, i) => orderLike(d, docs[i]) as Doc);
    } catch (err) {
      throw toCommandError(err);
    }
    out.forEach((d, i) => restoreHints(d, docs[i]));
  }
  if (metaFields.length) out = out.map((d, i) => ({ ...d, ...Object.fromEntries(metaFields.map((f) => [f, scoreOf!(docs[i])])) }));
  return out;
}

/** mingo emits projected fields in projection order; mongod keeps the document's field order. */
function orderLike(target: unknown, source: unknown): unknown {
  if (Array.isArray(target) && Array.isArray(source)) return target.map((t, i) => orderLike(t, source[i]));
  if (!isPlainObject(target) || !isPlainObject(source)) return target;
  const out: Doc = {};
  for (const k of Object.keys(source)) if (k in target) out[k] = orderLike(target[k], source[k]);
  for (const k of Object.keys(target)) if (!(k in out)) out[k] = target[k];
  return out;
}
