import { Long } from 'bson';
import { CommandError } from '../errors';
import { IndexSpec, normalizeSpec } from '../indexSpecs';
import { cloneValue, Doc, isPlainObject } from '../values';
import { collectionName, CommandContext, existing, Handler } from './context';
import { cursorReply } from './read';

function createIndexes(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const raw = ctx.cmd.indexes;
  if (!Array.isArray(raw) || raw.length === 0) throw new CommandError('BadValue', 'Must specify at least one index to create');
  const specs: IndexSpec[] = raw.map((r) => {
    if (!isPlainObject(r)) throw new CommandError('TypeMismatch', 'index specification must be an object');
    return normalizeSpec(r);
  });
  const created = !existing(ctx, name);
  const coll = ctx.state.catalog.ensure(ctx.db, name);
  const before = coll.indexes.length;
  const added: string[] = [];
  try {
    for (const spec of specs) if (coll.createIndex(spec)) added.push(spec.name);
  } catch (err) {
    // mongod builds the requested indexes all-or-nothing
    for (const n of added) coll.dropIndex(n);
    throw err;
  }
  const reply: Doc = { numIndexesBefore: before, numIndexesAfter: coll.indexes.length, createdCollectionAutomatically: created };
  if (added.length === 0) reply.note = 'all indexes already exist';
  return { ...reply, ok: 1 };
}

function listIndexes(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const coll = existing(ctx, name);
  if (!coll) throw new CommandError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  return cursorReply(`${ctx.db}.${name}`, coll.indexes.map((ix) => cloneValue(ix.spec) as unknown as Doc), Long.ZERO, true);
}

function dropIndexes(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const coll = existing(ctx, name);
  if (!coll) throw new CommandError('NamespaceNotFound', `ns not found ${ctx.db}.${name}`);
  const nIndexesWas = coll.indexes.length;
  const which = ctx.cmd.index;
  if (which === '*') {
    for (const ix of coll.indexes.slice(1)) coll.dropIndex(ix.name);
  } else if (typeof which === 'string') {
    coll.dropIndex(which);
  } else if (Array.isArray(which)) {
    for (const n of which) if (!coll.findIndex(String(n))) throw new CommandError('IndexNotFound', `index not found with name [${String(n)}]`);
    for (const n of which) coll.dropIndex(String(n));
  } else if (isPlainObject(which)) {
    const keyJson = JSON.stringify(which);
    const ix = coll.indexes.find((i) => JSON.stringify(i.spec.key) === keyJson);
    if (!ix) throw new CommandError('IndexNotFound', `can't find index with key: ${keyJson}`);
    coll.dropIndex(ix.name);
  } else {
    throw new CommandError('TypeMismatch', "BSON field 'index' is missing but a required field");
  }
  return { nIndexesWas, ok: 1 };
}

export const indexCommands: Record<string, Handler> = { createIndexes, listIndexes, dropIndexes, deleteIndexes: dropIndexes };
