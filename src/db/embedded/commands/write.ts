import { Collection } from '../collection';
import { asWriteError, CommandError } from '../errors';
import { select } from '../query';
import { applyUpdate, isReplacement, seedFromFilter, UpdateSpec, validateUpdate, withIdFirst } from '../updates';
import { sameValue } from '../ordering';
import { cloneValue, Doc, isPlainObject } from '../values';
import { collectionName, CommandContext, Handler, queryOptions } from './context';

function statements(ctx: CommandContext, field: string): Doc[] {
  const list = ctx.cmd[field];
  if (!Array.isArray(list)) throw new CommandError('FailedToParse', `BSON field '${field}' is missing but a required field`);
  if (list.length > 100000) throw new CommandError('InvalidLength', `Write batch sizes must be between 1 and 100000. Got ${list.length} operations.`);
  return list as Doc[];
}

/** Runs each statement, collecting writeErrors; an ordered batch stops at its first failure like mongod. */
function runBatch(ctx: CommandContext, items: Doc[], run: (item: Doc, index: number) => void): Doc[] {
  const ordered = ctx.cmd.ordered !== false;
  const writeErrors: Doc[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      run(items[i], i);
    } catch (err) {
      writeErrors.push({ index: i, ...asWriteError(err) });
      if (ordered) break;
    }
  }
  return writeErrors;
}

function checkId(doc: Doc): void {
  const id = doc._id;
  if (Array.isArray(id)) throw new CommandError('InvalidIdField', `The '_id' value cannot be of type array`);
  if (id instanceof RegExp) throw new CommandError('InvalidIdField', `The '_id' value cannot be of type regex`);
}

function insert(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const docs = statements(ctx, 'documents');
  let coll: Collection | undefined;
  let n = 0;
  const writeErrors = runBatch(ctx, docs, (raw) => {
    if (!isPlainObject(raw)) throw new CommandError('TypeMismatch', 'document to insert must be an object');
    const doc = withIdFirst(raw);
    checkId(doc);
    coll ??= ctx.state.catalog.ensure(ctx.db, name);
    coll.insert(doc);
    n++;
  });
  return writeErrors.length ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
}

interface UpdateOutcome {
  n: number;
  nModified: number;
  upsertedId?: unknown;
}

/** One update statement (shared with bulk update); throws on the first failing document. */
export function updateStatement(ctx: CommandContext, name: string, stmt: Doc): UpdateOutcome {
  const q = (stmt.q ?? {}) as Doc;
  if (!isPlainObject(q)) throw new CommandError('TypeMismatch', "BSON field 'q' is the wrong type, expected type 'object'");
  const u = validateUpdate(stmt.u);
  const multi = stmt.multi === true;
  if (multi && isReplacement(u) && !Array.isArray(u)) throw new CommandError('FailedToParse', 'multi update is not supported for replacement-style update');
  const arrayFilters = stmt.arrayFilters as Doc[] | undefined;
  const opts = queryOptions(ctx);
  const coll = ctx.state.catalog.get(ctx.db, name);
  // applyUpdate returns a copy, so the stored documents are lent, not copied once more.
  const { matches } = select(coll, q, opts, { limit: multi ? undefined : 1, sort: stmt.sort as Doc | undefined, lend: true });
  if (matches.length === 0) {
    if (stmt.upsert !== true) return { n: 0, nModified: 0 };
    const doc = upsertDocument(q, u, arrayFilters, opts);
    checkId(doc);
    ctx.state.catalog.ensure(ctx.db, name).insert(doc);
    return { n: 1, nModified: 0, upsertedId: doc._id };
  }
  let nModified = 0;
  for (const m of matches) {
    const next = applyUpdate(m.doc, u, { filter: q, arrayFilters, inserting: false, opts });
    if (sameValue(next, m.doc)) continue;
    coll!.replace(m.rid, next);
    nModified++;
  }
  return { n: matches.length, nModified };
}

export function upsertDocument(q: Doc, u: UpdateSpec, arrayFilters: Doc[] | undefined, opts: ReturnType<typeof queryOptions>): Doc {
  const seed = seedFromFilter(q);
  if (isReplacement(u)) return withIdFirst(cloneValue(u as Doc), seed._id);
  return withIdFirst(applyUpdate(seed, u, { filter: q, arrayFilters, inserting: true, opts }));
}

function update(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const writeErrors = runBatch(ctx, statements(ctx, 'updates'), (stmt, index) => {
    const r = updateStatement(ctx, name, stmt);
    n += r.n;
    nModified += r.nModified;
    if (r.upsertedId !== undefined) upserted.push({ index, _id: r.upsertedId });
  });
  const reply: Doc = { n, nModified };
  if (upserted.length) reply.upserted = upserted;
  if (writeErrors.length) reply.writeErrors = writeErrors;
  return { ...reply, ok: 1 };
}

function remove(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  let n = 0;
  const writeErrors = runBatch(ctx, statements(ctx, 'deletes'), (stmt) => {
    const limit = stmt.limit;
    if (limit !== 0 && limit !== 1) throw new CommandError('FailedToParse', `The limit field in delete objects must be 0 or 1. Got ${String(limit)}`);
    const coll = ctx.state.catalog.get(ctx.db, name);
    const { matches } = select(coll, stmt.q ?? {}, queryOptions(ctx), { limit: limit === 1 ? 1 : undefined });
    for (const m of matches) coll!.delete(m.rid);
    n += matches.length;
  });
  return writeErrors.length ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
}

export const writeCommands: Record<string, Handler> = { insert, update, delete: remove };
