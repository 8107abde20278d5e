import { Decimal128, Double, Long, ObjectId } from 'bson';
import { Aggregator, update as mingoUpdate } from 'mingo';
import * as updateOperators from 'mingo/operators/update';
import { CommandError, toCommandError } from './errors';
import { formatKeyValue } from './format';
import { MingoOptions } from './query';
import { addToSetAsPush, checkPathConflicts, resolvePositional, updatePaths } from './updatePaths';
import { valueKey } from './ordering';
import { cloneValue, Doc, hintedRaw, isPlainObject, setNumberType, transferHint } from './values';

const OPERATORS = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$push', '$pull', '$pullAll', '$addToSet', '$pop', '$rename', '$currentDate', '$setOnInsert', '$bit']);
const PIPELINE_UPDATE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);
const NUMERIC_OPS = new Set(['$inc', '$mul']);
const ARRAY_OPS = new Set(['$push', '$addToSet', '$pull', '$pullAll', '$pop']);

export type UpdateSpec = Doc | Doc[];

export function isPipeline(u: unknown): u is Doc[] {
  return Array.isArray(u);
}

export function isReplacement(u: UpdateSpec): boolean {
  if (isPipeline(u)) return false;
  const keys = Object.keys(u);
  return keys.length === 0 || !keys[0].startsWith('$');
}

/** Rejects malformed update documents before any document is touched. */
export function validateUpdate(u: unknown): UpdateSpec {
  if (isPipeline(u)) {
    if (!u.every(isPlainObject)) throw new CommandError('FailedToParse', 'Each element of the update pipeline must be an object');
    return u;
  }
  if (!isPlainObject(u)) throw new CommandError('FailedToParse', 'Update argument must be either an object or an array');
  const keys = Object.keys(u);
  if (keys.length && keys[0].startsWith('$')) {
    for (const op of keys) {
      if (!OPERATORS.has(op)) {
        throw new CommandError('FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
      }
      if (!isPlainObject(u[op])) {
        throw new CommandError('FailedToParse', `Modifiers operate on fields but we found type ${typeof u[op]} instead. For example: {$mod: {<field>: ...}} not {$set: ${formatKeyValue(u[op])}}`);
      }
    }
  } else {
    for (const k of keys) {
      if (k.startsWith('$')) {
        throw new CommandError('DollarPrefixedFieldName', `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`);
      }
    }
  }
  return u;
}

/** Parent container and last key of a plain dotted path in `doc`, if it exists. */
function locate(doc: Doc, path: string): { parent: Doc; key: string } | undefined {
  const parts = path.split('.');
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Doc)[parts[i]];
  }
  return cur !== null && typeof cur === 'object' ? { parent: cur as Doc, key: parts[parts.length - 1] } : undefined;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof ObjectId) return 'objectId';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** mongod's type checks that mingo skips silently (it ignores $inc on strings, $push on non-arrays, ...). */
function checkOperandTypes(doc: Doc, ops: Doc): void {
  for (const [op, fields] of Object.entries(ops)) {
    for (const [path, arg] of Object.entries(fields as Doc)) {
      if (path.includes('$')) continue;
      if (NUMERIC_OPS.has(op) && typeof arg !== 'number') {
        throw new CommandError('TypeMismatch', `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${formatKeyValue(arg)}}`);
      }
      const at = locate(doc, path);
      const current = at?.parent[at.key];
      if (current === undefined) continue;
      if (NUMERIC_OPS.has(op) && typeof current !== 'number') {
        throw new CommandError('TypeMismatch', `Cannot apply ${op} to a value of non-numeric type. {_id: ${formatKeyValue(doc._id)}} has the field '${path}' of non-numeric type ${typeName(current)}`);
      }
      if (ARRAY_OPS.has(op) && !Array.isArray(current)) {
        throw new CommandError('BadValue', `The field '${path}' must be an array but is of type ${typeName(current)} in document {_id: ${formatKeyValue(doc._id)}}`);
      }
    }
  }
}

function numericKind(container: Doc, key: string): 'int' | 'long' | 'double' | 'decimal' {
  const raw = hintedRaw(container, key);
  if (raw) return raw._bsontype === 'Long' ? 'long' : raw._bsontype === 'Decimal128' ? 'decimal' : 'double';
  const v = container[key] as number;
  return Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff ? 'int' : 'double';
}

const WIDTH = { int: 0, long: 1, double: 2, decimal: 3 } as const;

/** Gives $inc/$mul results mongod's result type (int32 overflowing to long, doubles staying doubles, ...). */
function typeArithmetic(before: Doc, after: Doc, op: string, args: Doc): void {
  for (const path of Object.keys(args)) {
    if (path.includes('$')) continue;
    const a = locate(after, path);
    const b = locate(before, path);
    if (!a || typeof a.parent[a.key] !== 'number') continue;
    const result = a.parent[a.key] as number;
    const argKind = numericKind(args, path);
    const oldKind = b && typeof b.parent[b.key] === 'number' ? numericKind(b.parent, b.key) : 'int';
    let kind = WIDTH[argKind] > WIDTH[oldKind] ? argKind : oldKind;
    if (kind === 'int' && !(result >= -0x80000000 && result <= 0x7fffffff)) kind = 'long';
    if (kind === 'long') {
      const oldRaw = b ? hintedRaw(b.parent, b.key) : undefined;
      const exact = op === '$inc' && oldRaw instanceof Long ? oldRaw.add(Long.fromNumber(args[path] as number)) : Long.fromNumber(result);
      setNumberType(a.parent, a.key, exact);
    } else if (kind === 'double') setNumberType(a.parent, a.key, new Double(result));
    else if (kind === 'decimal') setNumberType(a.parent, a.key, Decimal128.fromString(String(result)));
  }
}

function keepClientTypes(after: Doc, args: Doc): void {
  for (const path of Object.keys(args)) {
    if (path.includes('$')) continue;
    const a = locate(after, path);
    if (a) transferHint(args, path, a.parent, a.key);
  }
}

function immutableIdError(path: string): CommandError {
  return new CommandError('ImmutableField', `Performing an update on the path '${path}' would modify the immutable field '_id'`);
}

/** An upsert may set `_id`; an update may only "set" it to its current value (mongod's rule). */
function takeIdFromSet(ops: Doc, next: Doc, inserting: boolean): void {
  for (const [op, args] of Object.entries(ops)) {
    for (const path of Object.keys(args as Doc)) {
      if (path !== '_id' && !path.startsWith('_id.')) continue;
      const value = (args as Doc)[path];
      if (op !== '$set' || path !== '_id' || (!inserting && valueKey(value) !== valueKey(next._id))) throw immutableIdError(path);
      if (inserting) next._id = value;
      const { _id: _, ...rest } = args as Doc;
      ops[op] = rest;
    }
  }
}

export interface UpdateContext {
  filter: Doc;
  arrayFilters?: Doc[];
  /** True when the document is being created by an upsert ($setOnInsert applies). */
  inserting: boolean;
  opts: MingoOptions;
}

/** Returns an updated copy of `doc`; the stored object is never modified. */
export function applyUpdate(doc: Doc, u: UpdateSpec, ctx: UpdateContext): Doc {
  if (isPipeline(u)) {
    // run as an aggregation of the one document: mingo's pipeline updater fails on some results
    const stage = u.map((st) => Object.keys(st)[0]).find((name) => !PIPELINE_UPDATE_STAGES.has(name));
    if (stage) throw new CommandError('BadValue', `${stage} is not allowed to be used within an update`);
    let out: Doc;
    try {
      [out] = new Aggregator(u, ctx.opts).run([cloneValue(doc)]) as Doc[];
    } catch (err) {
      throw toCommandError(err);
    }
    return checkId(doc, out);
  }
  if (isReplacement(u)) {
    const next = cloneValue(u);
    if ('_id' in next && doc._id !== undefined && valueKey(next._id) !== valueKey(doc._id)) {
      throw new CommandError('ImmutableField', `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatKeyValue(next._id)}`);
    }
    return withIdFirst(next, doc._id);
  }
  const ops: Doc = {};
  for (const [op, args] of Object.entries(u)) {
    if (op !== '$setOnInsert' && op !== '$set') ops[op] = args;
  }
  const sets = [u.$set, ctx.inserting ? u.$setOnInsert : undefined].filter(isPlainObject);
  if (sets.length) ops.$set = Object.assign({}, ...sets);
  checkPathConflicts(updatePaths(u));
  const next = cloneValue(doc);
  takeIdFromSet(ops, next, ctx.inserting);
  const resolved = resolvePositional(next, ops, { filter: ctx.filter, arrayFilters: ctx.arrayFilters ?? [], opts: ctx.opts });
  checkOperandTypes(next, resolved);
  try {
    runOperators(next, addToSetAsPush(next, resolved), ctx.opts);
  } catch (err) {
    const msg = err instanceof Error ? err.message : '';
    if (/immutable field/.test(msg)) throw immutableIdError(/path '([^']+)'/.exec(msg)?.[1] ?? '_id');
    throw toCommandError(err);
  }
  for (const op of ['$inc', '$mul']) if (resolved[op]) typeArithmetic(doc, next, op, resolved[op] as Doc);
  if (resolved.$set) keepClientTypes(next, resolved.$set as Doc);
  return checkId(doc, next);
}

/**
 * Runs resolved update operators (already checked by validateUpdate) on `doc`, in place. mingo's updater
 * rebuilds its operator tables on every call, most of an update's time; its operators alone use tables built
 * once. Only $pull, whose condition is a query, goes through the updater, to run with this server's query
 * options (no scripts).
 */
export function runOperators(doc: Doc, ops: Doc, queryOptions: MingoOptions): void {
  if ('$pull' in ops) {
    mingoUpdate(doc, ops as never, undefined, undefined, { cloneMode: 'copy', queryOptions });
    return;
  }
  for (const [op, expr] of Object.entries(ops)) updateOperators[op as keyof typeof updateOperators](expr as Doc)(doc);
}

function checkId(before: Doc, after: Doc): Doc {
  if (before._id !== undefined && valueKey(after._id) !== valueKey(before._id)) {
    throw new CommandError('ImmutableField', `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatKeyValue(after._id)}`);
  }
  return after;
}

/** Puts `_id` first (generating an ObjectId if there is none), as mongod stores it. */
export function withIdFirst(doc: Doc, id?: unknown): Doc {
  const _id = doc._id !== undefined ? doc._id : id !== undefined ? id : new ObjectId();
  if (Object.keys(doc)[0] === '_id' && doc._id !== undefined) return doc;
  const out: Doc = { _id };
  for (const [k, v] of Object.entries(doc)) if (k !== '_id') out[k] = v;
  copySymbols(doc, out);
  return out;
}

function copySymbols(from: Doc, to: Doc): void {
  for (const s of Object.getOwnPropertySymbols(from)) Object.defineProperty(to, s, Object.getOwnPropertyDescriptor(from, s)!);
}

/** The document an upsert starts from: the filter's equality conditions (including inside $and). */
export function seedFromFilter(filter: Doc): Doc {
  const seed: Doc = {};
  const visit = (f: Doc): void => {
    for (const [path, cond] of Object.entries(f)) {
      if (path === '$and' && Array.isArray(cond)) {
        for (const sub of cond) if (isPlainObject(sub)) visit(sub);
        continue;
      }
      if (path.startsWith('$')) continue;
      let value: unknown;
      if (isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$'))) {
        if (!('$eq' in cond)) continue;
        value = cond.$eq;
      } else if (cond instanceof RegExp) {
        continue;
      } else {
        value = cond;
      }
      setPath(seed, path, cloneValue(value));
      const at = locate(seed, path);
      if (at) transferHint(isPlainObject(cond) && '$eq' in cond ? cond : f, isPlainObject(cond) && '$eq' in cond ? '$eq' : path, at.parent, at.key);
    }
  };
  visit(filter);
  return seed;
}

function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]];
    if (!isPlainObject(next)) cur[parts[i]] = {};
    cur = cur[parts[i]] as Doc;
  }
  cur[parts[parts.length - 1]] = value;
}
