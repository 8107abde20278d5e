import { Long } from 'bson';
import { Collection } from '../collection';
import { CommandError } from '../errors';
import { compileFilter } from '../query';
import { cloneValue, Doc } from '../values';
import { collectionName, CommandContext, existing, Handler, optionalDoc, queryOptions } from './context';
import { cursorReply } from './read';

// generic command fields, not collection options
const CREATE_OPTIONS_IGNORED = new Set(['create', 'lsid', 'writeConcern', 'readConcern', 'comment', 'maxTimeMS', 'apiVersion', 'apiStrict', 'apiDeprecationErrors']);

function create(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const options: Doc = {};
  for (const [k, v] of Object.entries(ctx.cmd)) if (!CREATE_OPTIONS_IGNORED.has(k) && !k.startsWith('$')) options[k] = v;
  if (options.capped === true || options.viewOn !== undefined || options.timeseries !== undefined) {
    throw new CommandError('CommandNotSupported', 'capped collections, views and time series are not supported by the embedded server');
  }
  ctx.state.catalog.create(ctx.db, name, options);
  return { ok: 1 };
}

function drop(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const coll = existing(ctx, name);
  const nIndexesWas = coll?.indexes.length ?? 0;
  ctx.state.catalog.drop(ctx.db, name);
  return { nIndexesWas, ns: `${ctx.db}.${name}`, ok: 1 };
}

function dropDatabase(ctx: CommandContext): Doc {
  ctx.state.catalog.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok: 1 };
}

function collectionInfo(c: Collection): Doc {
  return {
    name: c.name,
    type: 'collection',
    options: cloneValue(c.options),
    info: { readOnly: false, uuid: c.uuid },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  };
}

function listCollections(ctx: CommandContext): Doc {
  const test = compileFilter(optionalDoc(ctx.cmd, 'filter') ?? {}, queryOptions(ctx));
  const nameOnly = ctx.cmd.nameOnly === true;
  const docs = ctx.state.catalog
    .collections(ctx.db)
    .map(collectionInfo)
    .filter(test)
    .map((info) => (nameOnly ? { name: info.name, type: info.type } : info));
  return cursorReply(`${ctx.db}.$cmd.listCollections`, docs, Long.ZERO, true);
}

function dataSize(c: Collection): number {
  return c.dataSize();
}

function listDatabases(ctx: CommandContext): Doc {
  const nameOnly = ctx.cmd.nameOnly === true;
  let totalSize = 0;
  const databases = [...ctx.state.catalog.databases.keys()].sort().map((name) => {
    if (nameOnly) return { name };
    const sizeOnDisk = ctx.state.catalog.collections(name).reduce((s, c) => s + dataSize(c), 0);
    totalSize += sizeOnDisk;
    return { name, sizeOnDisk, empty: sizeOnDisk === 0 };
  });
  return nameOnly ? { databases, ok: 1 } : { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1048576), ok: 1 };
}

function collStats(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const coll = existing(ctx, name);
  if (!coll) throw new CommandError('NamespaceNotFound', `Collection [${ctx.db}.${name}] not found.`);
  const size = dataSize(coll);
  const count = coll.count;
  const indexSizes = Object.fromEntries(coll.indexes.map((ix) => [ix.name, ix.size * 16]));
  return {
    ns: coll.ns,
    size,
    count,
    avgObjSize: count ? Math.floor(size / count) : 0,
    storageSize: size,
    nindexes: coll.indexes.length,
    totalIndexSize: Object.values(indexSizes).reduce((a, b) => a + b, 0),
    indexSizes,
    ok: 1,
  };
}

function dbStats(ctx: CommandContext): Doc {
  const colls = ctx.state.catalog.collections(ctx.db);
  const dataSizeTotal = colls.reduce((s, c) => s + dataSize(c), 0);
  const objects = colls.reduce((s, c) => s + c.count, 0);
  return {
    db: ctx.db,
    collections: colls.length,
    views: 0,
    objects,
    avgObjSize: objects ? dataSizeTotal / objects : 0,
    dataSize: dataSizeTotal,
    storageSize: dataSizeTotal,
    indexes: colls.reduce((s, c) => s + c.indexes.length, 0),
    ok: 1,
  };
}

export const adminCommands: Record<string, Handler> = {
  create,
  drop,
  dropDatabase,
  listCollections,
  listDatabases,
  collStats,
  dbStats,
};
