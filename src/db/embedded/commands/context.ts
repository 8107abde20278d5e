import { Catalog } from '../catalog';
import { Collection } from '../collection';
import { CursorRegistry } from '../cursors';
import { CommandError } from '../errors';
import { mingoOptions, MingoOptions } from '../query';
import { Doc } from '../values';

/** Runtime settings a client can read or change with getParameter/setParameter. */
export interface Parameters {
  cursorTimeoutMillis: number;
  ttlMonitorSleepSecs: number;
}

export interface ServerState {
  catalog: Catalog;
  cursors: CursorRegistry;
  parameters: Parameters;
  startedAt: Date;
  /** Commands run per name, as mongod's serverStatus `metrics.commands` counts them (round trips, for benchmarks). */
  commandCounts: Map<string, { total: number; failed: number }>;
}

export interface CommandContext {
  db: string;
  cmd: Doc;
  state: ServerState;
  connectionId: number;
}

export type Handler = (ctx: CommandContext) => Doc;

/** The collection name a command targets (its first field's value). */
export function collectionName(ctx: CommandContext): string {
  const [name, value] = Object.entries(ctx.cmd)[0];
  if (typeof value !== 'string' || value === '') {
    throw new CommandError('InvalidNamespace', `collection name has invalid type ${typeof value} for '${name}'`);
  }
  return value;
}

export function existing(ctx: CommandContext, coll: string): Collection | undefined {
  return ctx.state.catalog.get(ctx.db, coll);
}

/** mingo options whose $lookup/$graphLookup see copies of this database's collections. */
export function queryOptions(ctx: CommandContext): MingoOptions {
  const cache = new Map<string, Doc[]>();
  return mingoOptions((name) => {
    let docs = cache.get(name);
    if (!docs) {
      docs = [...(ctx.state.catalog.get(ctx.db, name)?.documents() ?? [])].map((r) => r.doc);
      cache.set(name, docs);
    }
    return docs;
  });
}

export function optionalNumber(cmd: Doc, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${typeof v}', expected types '[long, int, decimal, double]'`);
  return v;
}

export function optionalDoc(cmd: Doc, field: string): Doc | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${Array.isArray(v) ? 'array' : typeof v}', expected type 'object'`);
  return v as Doc;
}
