import { Doc, isPlainObject } from './values';

// Plain projections (`{ a: 1, 'b.c': 1 }` or `{ 'goals.reflections': 0 }`) done without mingo, on stored
// documents: the result shares the kept parts with the stored document (deep-frozen, so no one writes
// into them). Fields come in the document's order, as mongod gives them. Anything else (expressions,
// positional, $slice, $elemMatch, `_id` sub-paths, a path with its parent) is left to mingo.

type Tree = { [field: string]: true | Tree };
export type Projector = (doc: Readonly<Doc>) => Doc;

/** A plain field name, and a dotted path of them (no `$`, no array positions). */
export const FIELD_NAME = /^[A-Za-z_]\w*$/;
export const FIELD_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

const flag = (how: unknown): boolean | undefined => (how === 1 || how === true ? true : how === 0 || how === false ? false : undefined);

function treeOf(paths: string[]): Tree | undefined {
  const tree: Tree = {};
  for (const path of paths) {
    const parts = path.split('.');
    let node = tree;
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      const there = node[part];
      if (there === true || (last && there)) return undefined;
      if (last) node[part] = true;
      else node = (node[part] ??= {}) as Tree;
    }
  }
  return tree;
}

function kept(doc: Readonly<Doc>, tree: Tree): Doc {
  const out: Doc = {};
  for (const key of Object.keys(doc)) {
    const node = tree[key];
    if (node === undefined) continue;
    const value = doc[key];
    if (node === true) out[key] = value;
    else if (isPlainObject(value)) out[key] = kept(value, node);
    else if (Array.isArray(value)) out[key] = keptOfEach(value, node);
  }
  return out;
}

function keptOfEach(values: readonly unknown[], tree: Tree): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (isPlainObject(v)) out.push(kept(v, tree));
    else if (Array.isArray(v)) out.push(keptOfEach(v, tree));
  }
  return out;
}

function without(doc: Readonly<Doc>, tree: Tree): Doc {
  const out: Doc = {};
  for (const key of Object.keys(doc)) {
    const node = tree[key];
    const value = doc[key];
    if (node === true) continue;
    if (node === undefined) out[key] = value;
    else if (isPlainObject(value)) out[key] = without(value, node);
    // mingo leaves arrays inside arrays whole when it excludes
    else if (Array.isArray(value)) out[key] = value.map((v) => (isPlainObject(v) ? without(v, node) : v));
    else out[key] = value;
  }
  return out;
}

/** The plain projection `spec` describes, or undefined when mingo must do it. */
export function plainProjection(spec: Doc): Projector | undefined {
  const entries = Object.entries(spec);
  if (!entries.length || entries.some(([path, how]) => flag(how) === undefined || !FIELD_PATH.test(path) || path.startsWith('_id.'))) return undefined;
  const others = entries.filter(([path]) => path !== '_id');
  const including = others.filter(([, how]) => flag(how));
  const id = spec._id === undefined ? undefined : flag(spec._id);
  if (including.length && including.length === others.length) {
    const tree = treeOf(including.map(([path]) => path));
    if (tree && id !== false) tree._id = true;
    return tree && ((doc) => kept(doc, tree));
  }
  if (including.length || id === true) return undefined; // mixed, or `_id: 1` beside exclusions
  const tree = treeOf(entries.map(([path]) => path));
  return tree && ((doc) => without(doc, tree));
}
