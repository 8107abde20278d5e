import { Aggregator } from 'mingo';
import { compileFilter, MingoOptions } from './query';
import { Doc, isPlainObject } from './values';

// The per-document stages reports run before a $group (keep some fields, unwind goals and activities,
// match), done without mingo's path machinery and one document at a time, so the goal × activity rows
// stream into the next stage instead of being held all at once. They run only on stored documents that
// are lent, read-only (see `lentPrefix`): rows share parts with their stored document. A document whose
// shape the plain path does not cover goes through mingo's own stage, so results never differ.

export type Stream = Iterable<Doc>;
export type LentStage = (docs: Stream) => Stream;

type Tree = { [field: string]: true | Tree };
const FIELD_PATH = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/;

function* perDocument(docs: Stream, stage: Doc, opts: MingoOptions, native: (doc: Doc) => Doc[] | undefined): Stream {
  let mingo: Aggregator | undefined;
  for (const doc of docs) {
    const rows = native(doc) ?? (mingo ??= new Aggregator([stage], opts)).run([doc]);
    yield* rows as Doc[];
  }
}

/** `{ a: 1, 'b.c': true }` as a tree of kept fields; undefined for anything but plain inclusions. */
function inclusionTree(spec: Doc): Tree | undefined {
  const tree: Tree = {};
  let keepId = true;
  for (const [path, how] of Object.entries(spec)) {
    if (path === '_id' && (how === 0 || how === false)) {
      keepId = false;
      continue;
    }
    if ((how !== 1 && how !== true) || !FIELD_PATH.test(path) || path.startsWith('_id.')) return undefined;
    const parts = path.split('.');
    let node = tree;
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      const there = node[part];
      if (there === true || (last && there)) return undefined; // a path and its parent: mingo's collision error
      if (last) node[part] = true;
      else node = (node[part] ??= {}) as Tree;
    }
  }
  if (!Object.keys(tree).length) return undefined; // only `_id: 0` is an exclusion
  if (keepId) tree._id = true;
  return tree;
}

function keptOf(doc: Doc, tree: Tree): Doc {
  const out: Doc = {};
  for (const key of Object.keys(doc)) {
    if (key === '_id') continue;
    const node = tree[key];
    if (node === undefined) continue;
    const value = doc[key];
    if (node === true) out[key] = value;
    else if (isPlainObject(value)) out[key] = keptOf(value, node);
    else if (Array.isArray(value)) out[key] = keptOfEach(value, node);
  }
  // mingo writes _id last
  if (tree._id === true && doc._id !== undefined) out._id = doc._id;
  return out;
}

function keptOfEach(values: unknown[], tree: Tree): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (isPlainObject(v)) out.push(keptOf(v, tree));
    else if (Array.isArray(v)) out.push(keptOfEach(v, tree));
  }
  return out;
}

function unwindPath(spec: unknown): string[] | undefined {
  const path = typeof spec === 'string' ? spec : isPlainObject(spec) && Object.keys(spec).length === 1 ? spec.path : undefined;
  return typeof path === 'string' && path.startsWith('$') && FIELD_PATH.test(path.slice(1)) ? path.slice(1).split('.') : undefined;
}

/** One row per element of the array at `path`; undefined when a step is not a plain document or the end is not an array. */
function unwound(doc: Doc, path: string[], at = 0): Doc[] | undefined {
  const value = doc[path[at]];
  if (at === path.length - 1) return Array.isArray(value) ? value.map((element) => ({ ...doc, [path[at]]: element })) : undefined;
  if (!isPlainObject(value)) return undefined;
  return unwound(value, path, at + 1)?.map((inner) => ({ ...doc, [path[at]]: inner }));
}

/** The plain-path version of `stage`, or undefined when it must be left to mingo. */
export function lentStage(stage: Doc, opts: MingoOptions): LentStage | undefined {
  if (isPlainObject(stage.$project)) {
    const tree = inclusionTree(stage.$project);
    if (!tree) return undefined;
    return function* (docs) {
      for (const doc of docs) yield keptOf(doc, tree);
    };
  }
  if ('$unwind' in stage) {
    const path = unwindPath(stage.$unwind);
    return path && ((docs) => perDocument(docs, stage, opts, (doc) => unwound(doc, path)));
  }
  if (isPlainObject(stage.$match) && !('$text' in stage.$match)) {
    const test = compileFilter(stage.$match, opts);
    return function* (docs) {
      for (const doc of docs) if (test(doc)) yield doc;
    };
  }
  return undefined;
}
