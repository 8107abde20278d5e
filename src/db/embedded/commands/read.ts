import { Long } from 'bson';
import { CommandError } from '../errors';
import { indexValues } from '../indexes';
import { countMatching, project, select } from '../query';
import { compareValues, valueKey } from '../ordering';
import { plainProjection, Projector } from '../projection';
import { cloneValue, Doc, hintedRaw, restoreHints } from '../values';
import { collectionName, CommandContext, existing, Handler, optionalDoc, optionalNumber, queryOptions } from './context';

export function cursorReply(ns: string, batch: Doc[], id: unknown, first: boolean): Doc {
  return { cursor: { [first ? 'firstBatch' : 'nextBatch']: batch, id, ns }, ok: 1 };
}

/** What `projected` keeps of a stored document, as a copy with the stored number types. */
function projectedCopy(stored: Doc, projected: Projector): Doc {
  const out = projected(stored);
  restoreHints(out, stored);
  return cloneValue(out);
}

/** Runs a find command's query part; shared with explain. */
export function runFind(ctx: CommandContext): { docs: Doc[]; indexName?: string; limit?: number } {
  const name = collectionName(ctx);
  const cmd = ctx.cmd;
  const rawLimit = optionalNumber(cmd, 'limit');
  const skip = optionalNumber(cmd, 'skip');
  if (skip !== undefined && skip < 0) throw new CommandError('BadValue', `Skip value must be non-negative, but received: ${skip}`);
  const limit = rawLimit ? Math.abs(rawLimit) : undefined;
  const opts = queryOptions(ctx);
  const filter = optionalDoc(cmd, 'filter') ?? {};
  const projection = optionalDoc(cmd, 'projection');
  // a plain projection reads the stored documents and copies only what it keeps (not whole plans)
  const plain = projection && plainProjection(projection);
  const sel = select(existing(ctx, name), filter, opts, { sort: optionalDoc(cmd, 'sort'), skip, limit, lend: !!plain });
  const found = sel.matches.map((m) => m.doc);
  const docs = plain ? found.map((doc) => projectedCopy(doc, plain)) : project(found, projection, opts, sel.scoreOf, filter);
  return { docs, indexName: sel.indexName, limit: rawLimit };
}

function find(ctx: CommandContext): Doc {
  const ns = `${ctx.db}.${collectionName(ctx)}`;
  const { docs, limit } = runFind(ctx);
  const batchSize = optionalNumber(ctx.cmd, 'batchSize');
  if (batchSize !== undefined && batchSize < 0) throw new CommandError('BadValue', `BatchSize value must be non-negative, but received: ${batchSize}`);
  const single = ctx.cmd.singleBatch === true || (limit !== undefined && limit < 0);
  const { batch, id } = ctx.state.cursors.open(ns, docs, batchSize, single);
  return cursorReply(ns, batch, id, true);
}

/** A cursor id as sent: query form turned it into a JS number, the exact Long survives as a number-type hint. */
function cursorId(container: object, key: string): Long | undefined {
  const raw = hintedRaw(container, key);
  if (raw instanceof Long) return raw;
  const v = (container as Doc)[key];
  return typeof v === 'number' && Number.isInteger(v) ? Long.fromNumber(v) : undefined;
}

function getMore(ctx: CommandContext): Doc {
  const id = cursorId(ctx.cmd, 'getMore');
  if (!id) throw new CommandError('TypeMismatch', "BSON field 'getMore' is the wrong type, expected type 'long'");
  const coll = ctx.cmd.collection;
  if (typeof coll !== 'string') throw new CommandError('TypeMismatch', "BSON field 'collection' is missing but a required field");
  const ns = `${ctx.db}.${coll}`;
  const { batch, id: next } = ctx.state.cursors.getMore(id, ns, optionalNumber(ctx.cmd, 'batchSize'));
  return cursorReply(ns, batch, next, false);
}

function killCursors(ctx: CommandContext): Doc {
  const ids = ctx.cmd.cursors;
  if (!Array.isArray(ids)) throw new CommandError('FailedToParse', "BSON field 'cursors' is missing but a required field");
  const killed: unknown[] = [];
  const notFound: unknown[] = [];
  ids.forEach((v, i) => {
    const id = cursorId(ids, String(i));
    (id && ctx.state.cursors.kill(id) ? killed : notFound).push(id ?? v);
  });
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
}

function count(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const coll = existing(ctx, name);
  const query = optionalDoc(ctx.cmd, 'query') ?? {};
  const skip = optionalNumber(ctx.cmd, 'skip') ?? 0;
  const limit = Math.abs(optionalNumber(ctx.cmd, 'limit') ?? 0);
  if (!coll) return { n: 0, ok: 1 };
  if (Object.keys(query).length === 0) {
    const total = Math.max(0, coll.count - skip);
    return { n: limit ? Math.min(limit, total) : total, ok: 1 };
  }
  if (!skip && !limit) return { n: countMatching(coll, query, queryOptions(ctx)).n, ok: 1 };
  const { matches } = select(coll, query, queryOptions(ctx), { skip, limit: limit || undefined, lend: true });
  return { n: matches.length, ok: 1 };
}

function distinct(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const key = ctx.cmd.key;
  if (typeof key !== 'string') throw new CommandError('TypeMismatch', "BSON field 'distinct.key' is missing but a required field");
  const { matches } = select(existing(ctx, name), optionalDoc(ctx.cmd, 'query') ?? {}, queryOptions(ctx));
  const seen = new Map<string, unknown>();
  for (const m of matches) {
    const { values } = indexValues(m.doc, key);
    for (const v of values) {
      if ((v === null && !hasValue(m.doc, key)) || (Array.isArray(v) && v.length === 0)) continue;
      const k = valueKey(v);
      if (!seen.has(k)) seen.set(k, v);
    }
  }
  return { values: [...seen.values()].sort(compareValues), ok: 1 };
}

function hasValue(doc: Doc, path: string): boolean {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) return cur.length > 0;
    if (cur === null || typeof cur !== 'object' || !(part in (cur as Doc))) return false;
    cur = (cur as Doc)[part];
  }
  return true;
}

export const readCommands: Record<string, Handler> = { find, getMore, killCursors, count, distinct };
