import { Aggregator, Query } from 'mingo';
import { clone } from './canonical';
import { Doc } from './commands';
import { compare, equal } from './order';

// A naive update-operator interpreter written from the MongoDB manual (not mingo's updater, whose path
// conflict check the embedded server inherited): one document, plain objects, no indexes.

export class ServerError extends Error {
  constructor(readonly code: number) {
    super(`server error ${code}`);
  }
}
const BAD_VALUE = 2;
const TYPE_MISMATCH = 14;
const PATH_NOT_VIABLE = 28;
const CONFLICT = 40;
const IMMUTABLE = 66;

const isObject = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);


export interface UpdateInput {
  filter: Doc;
  arrayFilters?: Doc[];
  inserting: boolean;
}

/** Whether `elem` satisfies the query conditions `cond` on the array `field` holding it. */
function elementMatches(elem: unknown, rest: string, cond: unknown): boolean {
  if (rest === '') return new Query({ v: cond }).test({ v: elem });
  return isObject(elem) && new Query({ [rest]: cond }).test(elem);
}

/** The position `$` stands for: the first element of `array` that the filter's condition on it matches. */
function positionalIndex(filter: Doc, array: string, value: unknown): number {
  const conds = Object.entries(filter).filter(([k]) => k === array || k.startsWith(`${array}.`));
  if (!Array.isArray(value) || conds.length === 0) throw new ServerError(BAD_VALUE);
  const i = value.findIndex((el) =>
    conds.every(([k, c]) => (k === array && isObject(c) && '$elemMatch' in c ? isObject(el) && new Query(c.$elemMatch as Doc).test(el) : elementMatches(el, k.slice(array.length + 1), c))),
  );
  if (i < 0) throw new ServerError(BAD_VALUE);
  return i;
}

function arrayFilterMatches(filters: Doc[], ident: string, elem: unknown): boolean {
  const f = filters.find((af) => Object.keys(af).some((k) => k === ident || k.startsWith(`${ident}.`)));
  if (!f) throw new ServerError(BAD_VALUE);
  return Object.entries(f).every(([k, c]) => elementMatches(elem, k === ident ? '' : k.slice(ident.length + 1), c));
}

/** The concrete paths a path with `$`, `$[]` and `$[id]` stands for in `doc`. */
function expand(doc: Doc, parts: string[], input: UpdateInput): string[][] {
  const walk = (node: unknown, i: number, prefix: string[]): string[][] => {
    if (i === parts.length) return [prefix];
    const p = parts[i];
    if (p === '$') {
      const idx = positionalIndex(input.filter, prefix.join('.'), node);
      return walk((node as unknown[])[idx], i + 1, [...prefix, String(idx)]);
    }
    const all = /^\$\[(\w*)\]$/.exec(p);
    if (all) {
      if (!Array.isArray(node)) throw new ServerError(BAD_VALUE);
      return node.flatMap((el, idx) => (all[1] === '' || arrayFilterMatches(input.arrayFilters ?? [], all[1], el) ? walk(el, i + 1, [...prefix, String(idx)]) : []));
    }
    const child = Array.isArray(node) ? (/^\d+$/.test(p) ? node[Number(p)] : undefined) : isObject(node) ? node[p] : undefined;
    return walk(child, i + 1, [...prefix, p]);
  };
  return walk(doc, 0, []);
}

/** The container and key of a concrete path; creating missing objects when `create`, else undefined if absent. */
function slot(doc: Doc, parts: string[], create: boolean): { parent: Doc | unknown[]; key: string } | undefined {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i];
    const last = i === parts.length - 1;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(k)) {
        if (create) throw new ServerError(PATH_NOT_VIABLE);
        return undefined;
      }
    } else if (!isObject(cur)) {
      if (create) throw new ServerError(PATH_NOT_VIABLE);
      return undefined;
    }
    if (last) return { parent: cur as Doc, key: k };
    let next = (cur as Doc)[k];
    if (next === undefined) {
      if (!create) return undefined;
      next = {};
      if (Array.isArray(cur)) while (cur.length < Number(k)) cur.push(null);
      (cur as Doc)[k] = next;
    }
    cur = next;
  }
  return undefined;
}

function get(s: { parent: Doc | unknown[]; key: string } | undefined): unknown {
  return s ? (s.parent as Doc)[s.key] : undefined;
}

function put(s: { parent: Doc | unknown[]; key: string }, value: unknown): void {
  if (Array.isArray(s.parent)) while (s.parent.length < Number(s.key)) s.parent.push(null);
  (s.parent as Doc)[s.key] = clone(value);
}

function remove(s: { parent: Doc | unknown[]; key: string } | undefined): void {
  if (!s || !(s.key in s.parent)) return;
  if (Array.isArray(s.parent)) s.parent[Number(s.key)] = null;
  else delete s.parent[s.key];
}

const each = (arg: unknown): unknown[] => (isObject(arg) && Array.isArray(arg.$each) ? arg.$each : [arg]);

function pullMatches(elem: unknown, cond: unknown): boolean {
  if (isObject(cond) && Object.keys(cond).some((k) => k.startsWith('$'))) return new Query({ v: cond }).test({ v: elem });
  if (isObject(cond)) return isObject(elem) && new Query(cond).test(elem);
  return equal(elem, cond);
}

function applyOne(doc: Doc, op: string, parts: string[], arg: unknown): void {
  const creates = !['$unset', '$pull', '$pullAll'].includes(op);
  const s = slot(doc, parts, creates);
  const current = get(s);
  const array = (): unknown[] => {
    if (current === undefined) return [];
    if (!Array.isArray(current)) throw new ServerError(BAD_VALUE);
    return current;
  };
  switch (op) {
    case '$set':
    case '$setOnInsert':
      return put(s!, arg);
    case '$unset':
      return remove(s);
    case '$inc':
      if (current !== undefined && typeof current !== 'number') throw new ServerError(TYPE_MISMATCH);
      return put(s!, ((current as number | undefined) ?? 0) + (arg as number));
    case '$min':
    case '$max':
      if (current === undefined || compare(arg, current) * (op === '$min' ? 1 : -1) < 0) put(s!, arg);
      return;
    case '$push':
      return put(s!, [...array(), ...each(arg)]);
    case '$addToSet': {
      const out = [...array()];
      for (const v of each(arg)) if (!out.some((x) => equal(x, v))) out.push(v);
      return put(s!, out);
    }
    case '$pull':
    case '$pullAll':
      if (current === undefined) return;
      if (!Array.isArray(current)) throw new ServerError(BAD_VALUE);
      put(s!, current.filter((el) => !(op === '$pull' ? pullMatches(el, arg) : (arg as unknown[]).some((v) => equal(el, v)))));
      return;
    default:
      throw new Error(`oracle does not model ${op}`);
  }
}

/** Two update paths conflict when one is the other or lies inside it (`$[]` and `$[id]` are plain components). */
function checkConflicts(paths: string[]): void {
  const split = paths.map((p) => p.split('.'));
  for (let i = 0; i < split.length; i++) {
    for (let j = i + 1; j < split.length; j++) {
      const [a, b] = [split[i], split[j]];
      if (a.slice(0, b.length).join('.') === b.slice(0, a.length).join('.')) throw new ServerError(CONFLICT);
    }
  }
}

/** The document after an operator update, a replacement or a pipeline (a new object; `doc` is unchanged). */
export function applyUpdate(doc: Doc, u: Doc | Doc[], input: UpdateInput): Doc {
  if (Array.isArray(u)) {
    const [out] = new Aggregator(u as never).run([clone(doc)]) as Doc[];
    if (!equal(out._id, doc._id)) throw new ServerError(IMMUTABLE);
    return out;
  }
  if (!Object.keys(u).some((k) => k.startsWith('$'))) {
    if ('_id' in u && !equal(u._id, doc._id)) throw new ServerError(IMMUTABLE);
    const { _id: _, ...rest } = clone(u);
    return { _id: doc._id, ...rest };
  }
  const paths = Object.entries(u).flatMap(([op, args]) => Object.entries(args as Doc).flatMap(([p, a]) => (op === '$rename' ? [p, a as string] : [p])));
  checkConflicts(paths);
  const out = clone(doc);
  // mongod applies the fields in lexicographic order of their paths (which error a document reports depends on it)
  const steps = Object.entries(u).flatMap(([op, args]) => (op === '$setOnInsert' && !input.inserting ? [] : Object.entries(args as Doc).map(([path, arg]) => [op, path, arg] as const)));
  steps.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  {
    for (const [op, path, arg] of steps) {
      if (op === '$rename') {
        const from = slot(out, path.split('.'), false);
        const value = get(from);
        if (value === undefined) continue;
        remove(from);
        put(slot(out, (arg as string).split('.'), true)!, value);
        continue;
      }
      for (const concrete of expand(doc, path.split('.'), input)) applyOne(out, op, concrete, arg);
    }
  }
  return out;
}

/** The document an upsert starts from: the filter's top-level equality conditions. */
export function upsertSeed(filter: Doc): Doc {
  const seed: Doc = {};
  for (const [path, cond] of Object.entries(filter)) {
    if (path.startsWith('$') || (isObject(cond) && Object.keys(cond).some((k) => k.startsWith('$')))) continue;
    put(slot(seed, path.split('.'), true)!, cond);
  }
  return seed;
}
