import { Query } from 'mingo';
import { CommandError } from './errors';
import { formatKeyValue } from './format';
import { MingoOptions } from './query';
import { valueKey } from './ordering';
import { Doc, isPlainObject, transferHint } from './values';

// Update paths the way mongod reads them, before mingo applies any operator: conflicts are judged on
// whole paths (`goals.$[].reflections` and `goals.$[].feedback` do not conflict, mingo thinks they do),
// and `$`, `$[]` and `$[id]` become the concrete element paths they stand for in this document.

const ARRAY_FILTER = /^\$\[(\w*)\]$/;

function conflictError(path: string): CommandError {
  return new CommandError('ConflictingUpdateOperators', `Updating the path '${path}' would create a conflict at '${path}'`);
}

/** Rejects two paths where one is the other or lies inside it (mongod's ConflictingUpdateOperators). */
export function checkPathConflicts(paths: string[]): void {
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (a === b || b.startsWith(`${a}.`)) throw conflictError(a);
  }
}

/** Every path an operator update names, `$rename` targets included. */
export function updatePaths(ops: Doc): string[] {
  return Object.entries(ops).flatMap(([op, args]) => Object.entries(args as Doc).flatMap(([p, a]) => (op === '$rename' && typeof a === 'string' ? [p, a] : [p])));
}

interface Resolution {
  filter: Doc;
  arrayFilters: Doc[];
  opts: MingoOptions;
}

/** A document holding only `value` at `path`, so a query condition on `path` can be tested against one element. */
function wrapAt(path: string, value: unknown): Doc {
  const out: Doc = {};
  const parts = path.split('.');
  let cur = out;
  parts.slice(0, -1).forEach((p) => (cur = cur[p] = {}));
  cur[parts[parts.length - 1]] = value;
  return out;
}

function noPositionalMatch(): CommandError {
  return new CommandError('BadValue', 'The positional operator did not find the match needed from the query.');
}

/** The element `$` stands for: the first one the query's conditions on that array match. */
function positionalIndex(array: string, value: unknown, r: Resolution): number {
  const conds = Object.entries(r.filter).filter(([k]) => k === array || k.startsWith(`${array}.`));
  if (!Array.isArray(value) || conds.length === 0) throw noPositionalMatch();
  const tests = conds.map(([k, c]) => new Query({ [k]: c }, r.opts));
  const i = value.findIndex((el) => tests.every((q) => q.test(wrapAt(array, [el]))));
  if (i < 0) throw noPositionalMatch();
  return i;
}

function arrayFilterFor(ident: string, path: string, r: Resolution): Query {
  const f = r.arrayFilters.find((af) => Object.keys(af).some((k) => k === ident || k.startsWith(`${ident}.`)));
  if (!f) throw new CommandError('BadValue', `No array filter found for identifier '${ident}' in path '${path}'`);
  return new Query(f, r.opts);
}

/** The concrete paths `path` stands for in `doc` (itself when it has no positional parts). */
function expand(doc: Doc, path: string, r: Resolution, used: Set<string>): string[] {
  const parts = path.split('.');
  if (!parts.some((p) => p === '$' || ARRAY_FILTER.test(p))) return [path];
  const walk = (node: unknown, i: number, prefix: string[]): string[][] => {
    if (i === parts.length) return [prefix];
    const p = parts[i];
    if (p === '$') {
      const idx = positionalIndex(prefix.join('.'), node, r);
      return walk((node as unknown[])[idx], i + 1, [...prefix, String(idx)]);
    }
    const all = ARRAY_FILTER.exec(p);
    if (all) {
      const at = prefix.join('.');
      if (node === undefined) throw new CommandError('BadValue', `The path '${at}' must exist in the document in order to apply array updates.`);
      if (!Array.isArray(node)) throw new CommandError('BadValue', `Cannot apply array updates to non-array element ${at}: ${formatKeyValue(node)}`);
      const ident = all[1];
      const q = ident ? arrayFilterFor(ident, path, r) : undefined;
      if (ident) used.add(ident);
      return node.flatMap((el, idx) => (!q || q.test({ [ident]: el }) ? walk(el, i + 1, [...prefix, String(idx)]) : []));
    }
    const child = Array.isArray(node) ? node[Number(p)] : isPlainObject(node) ? node[p] : undefined;
    return walk(child, i + 1, [...prefix, p]);
  };
  return walk(doc, 0, []).map((ps) => ps.join('.'));
}

/**
 * The update with every positional path replaced by the concrete paths it names in `doc`, each checked
 * as mongod applies them: field by field in lexicographic path order, so a document failing two ways
 * reports the error of the first path.
 */
export function resolvePositional(doc: Doc, ops: Doc, r: Resolution): Doc {
  const used = new Set<string>();
  const out: Doc = Object.fromEntries(Object.keys(ops).map((op) => [op, {}]));
  const steps = Object.entries(ops).flatMap(([op, args]) => Object.entries(args as Doc).map(([path, arg]) => [op, path, arg] as const));
  steps.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  for (const [op, path, arg] of steps) {
    const concrete = out[op] as Doc;
    for (const p of expand(doc, path, r, used)) {
      checkPathViable(doc, op, p, arg);
      concrete[p] = arg;
      transferHint(ops[op] as Doc, path, concrete, p);
    }
  }
  for (const af of r.arrayFilters) {
    const ident = Object.keys(af)[0]?.split('.')[0];
    if (ident && !used.has(ident)) throw new CommandError('FailedToParse', `The array filter for identifier '${ident}' was not used in the update ${formatKeyValue(ops)}`);
  }
  // two positional paths can name the same element (mongod reports it when it applies them)
  checkPathConflicts(updatePaths(out));
  return out;
}

function valueAt(doc: Doc, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Doc)[k] : undefined), doc);
}

/**
 * `$addToSet` as the `$push` of the values not yet in the array: mingo's `$addToSet` also collapses
 * duplicates the array already held, which mongod leaves alone.
 */
export function addToSetAsPush(doc: Doc, ops: Doc): Doc {
  const add = ops.$addToSet as Doc | undefined;
  if (!add) return ops;
  const push: Doc = { ...((ops.$push as Doc | undefined) ?? {}) };
  for (const [path, arg] of Object.entries(add)) {
    const values = isPlainObject(arg) && Array.isArray(arg.$each) ? arg.$each : [arg];
    const current = valueAt(doc, path);
    const seen = new Set((Array.isArray(current) ? current : []).map(valueKey));
    const fresh = values.filter((v) => !seen.has(valueKey(v)) && seen.add(valueKey(v)));
    push[path] = { $each: fresh };
  }
  const { $addToSet: _, ...rest } = ops;
  return { ...rest, $push: push };
}

const CREATING = new Set(['$set', '$setOnInsert', '$inc', '$mul', '$min', '$max', '$push', '$addToSet', '$currentDate', '$bit']);

/**
 * mongod creates missing fields along a path, but never through a value that is there and cannot hold
 * fields (null, a string, a number) or through an array by a field name: PathNotViable. mingo would
 * replace the value by an object.
 */
function checkPathViable(doc: Doc, op: string, path: string, arg: unknown): void {
  if (CREATING.has(op)) checkViable(doc, path);
  else if (op === '$rename' && typeof arg === 'string' && valueAt(doc, path) !== undefined) checkViable(doc, arg);
}

function checkViable(doc: Doc, path: string): void {
  const parts = path.split('.');
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = Array.isArray(cur) ? (/^\d+$/.test(parts[i]) ? cur[Number(parts[i])] : undefined) : (cur as Doc)[parts[i]];
    if (next === undefined) return;
    const key = parts[i + 1];
    if ((Array.isArray(next) && !/^\d+$/.test(key)) || (!Array.isArray(next) && !isPlainObject(next))) {
      throw new CommandError('PathNotViable', `Cannot create field '${key}' in element {${parts[i]}: ${formatKeyValue(next)}}`);
    }
    cur = next;
  }
}
