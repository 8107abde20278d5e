import { Collection, MongoBulkWriteError, MongoServerError } from 'mongodb';
import { answer } from './canonical';
import { Command, Doc, Outcome } from './commands';

const untyped = (v: unknown): never => v as never;

/** Runs a command through the real `mongodb` driver and reports its answer in the oracle's terms. */
export async function runOnServer(c: Collection<Doc>, cmd: Command): Promise<Outcome> {
  try {
    return { ok: answer(cmd, await execute(c, cmd)) };
  } catch (err) {
    if (err instanceof MongoBulkWriteError) {
      const writeErrors = (Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]).map((e) => ({ index: e.index, code: e.code }));
      return { error: Number(err.code), writeErrors, inserted: err.result.insertedCount };
    }
    if (err instanceof MongoServerError) return { error: Number(err.code) };
    throw err;
  }
}

async function execute(c: Collection<Doc>, cmd: Command): Promise<unknown> {
  switch (cmd.kind) {
    case 'insertOne':
      return { insertedId: (await c.insertOne(cmd.doc)).insertedId };
    case 'insertMany':
      return { insertedCount: (await c.insertMany(cmd.docs, { ordered: cmd.ordered })).insertedCount };
    case 'update': {
      const opts = { upsert: cmd.upsert, ...(cmd.arrayFilters ? { arrayFilters: cmd.arrayFilters } : {}) };
      const r = cmd.many ? await c.updateMany(cmd.filter, untyped(cmd.update), opts) : await c.updateOne(cmd.filter, untyped(cmd.update), opts);
      return { matchedCount: r.matchedCount, modifiedCount: r.modifiedCount, upsertedCount: r.upsertedCount, upsertedId: r.upsertedId };
    }
    case 'replaceOne': {
      const r = await c.replaceOne(cmd.filter, cmd.replacement, { upsert: cmd.upsert });
      return { matchedCount: r.matchedCount, modifiedCount: r.modifiedCount, upsertedCount: r.upsertedCount, upsertedId: r.upsertedId };
    }
    case 'delete':
      return { deletedCount: (cmd.many ? await c.deleteMany(cmd.filter) : await c.deleteOne(cmd.filter)).deletedCount };
    case 'find': {
      let cursor = c.find(cmd.filter, { ...(cmd.projection ? { projection: cmd.projection } : {}), ...(cmd.batchSize ? { batchSize: cmd.batchSize } : {}) });
      if (cmd.sort) cursor = cursor.sort(cmd.sort);
      if (cmd.skip !== undefined) cursor = cursor.skip(cmd.skip);
      if (cmd.limit !== undefined) cursor = cursor.limit(cmd.limit);
      return cursor.toArray();
    }
    case 'findOneAndUpdate':
      return c.findOneAndUpdate(cmd.filter, untyped(cmd.update), { ...findOptions(cmd), upsert: cmd.upsert, returnDocument: cmd.after ? 'after' : 'before', ...(cmd.arrayFilters ? { arrayFilters: cmd.arrayFilters } : {}) });
    case 'findOneAndReplace':
      return c.findOneAndReplace(cmd.filter, cmd.replacement, { ...findOptions(cmd), upsert: cmd.upsert, returnDocument: cmd.after ? 'after' : 'before' });
    case 'findOneAndDelete':
      return c.findOneAndDelete(cmd.filter, findOptions(cmd));
    case 'count':
      return c.countDocuments(cmd.filter);
    case 'distinct':
      return c.distinct(cmd.key, cmd.filter);
    case 'aggregate':
      return c.aggregate(cmd.pipeline, { batchSize: 2 }).toArray();
    case 'createIndex':
      return c.createIndex(cmd.key, cmd.options);
  }
}

function findOptions(cmd: { sort?: Doc; projection?: Doc }): Doc {
  return { ...(cmd.sort ? { sort: cmd.sort } : {}), ...(cmd.projection ? { projection: cmd.projection } : {}) };
}

/** Every stored document (by `_id`) and every index definition, as the oracle's `state()` shows them. */
export async function serverState(c: Collection<Doc>): Promise<{ docs: unknown; indexes: unknown }> {
  const docs = await c.find({}).sort({ _id: 1 }).toArray();
  const indexes = (await c.listIndexes().toArray().catch(() => [{ key: { _id: 1 }, name: '_id_' }])).map(({ v: _v, ns: _ns, ...rest }) => rest);
  return { docs: answer({ kind: 'find', filter: {}, sort: { _id: 1 } }, docs), indexes: answer({ kind: 'aggregate', pipeline: [] }, indexes) };
}
