import { Long } from 'bson';
import { Aggregator } from 'mingo';
import { lentStage, Stream } from '../lentStages';
import { plainGroup } from '../plainGroup';
import { CommandError, toCommandError } from '../errors';
import { countMatching, MingoOptions, select, SelectOptions, sortBy, sortComparator } from '../query';
import { withIdFirst } from '../updates';
import { cloneValue, Doc, isPlainObject } from '../values';
import { CommandContext, existing, Handler, optionalDoc, optionalNumber, queryOptions } from './context';
import { cursorReply } from './read';

const UNSUPPORTED_STAGES = new Set(['$merge', '$currentOp', '$listSessions', '$changeStream', '$indexStats', '$collStats', '$planCacheStats']);

function parsePipeline(raw: unknown): Doc[] {
  if (!Array.isArray(raw)) throw new CommandError('TypeMismatch', "'pipeline' option must be specified as an array");
  for (const stage of raw) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw new CommandError('Location40323', 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = Object.keys(stage)[0];
    if (UNSUPPORTED_STAGES.has(name)) throw new CommandError('CommandNotSupported', `${name} is not supported by the embedded server`);
  }
  return raw as Doc[];
}

const isCountField = (v: unknown): v is string => typeof v === 'string' && v !== '' && !v.startsWith('$') && !v.includes('.');

/**
 * mingo's $bucket puts values equal to an inner boundary into the previous bucket and emits empty buckets,
 * and its $count counts no input as 0 where mongod makes no document; the $group/$sort/$project that
 * mongod documents as their equivalents give mongod's results.
 */
function rewriteStages(pipeline: Doc[]): Doc[] {
  return pipeline.flatMap((stage) => {
    if (isCountField(stage.$count)) return [{ $group: { _id: null, [stage.$count]: { $sum: 1 } } }, { $project: { _id: 0 } }];
    if (isPlainObject(stage.$facet)) {
      const facets = Object.fromEntries(Object.entries(stage.$facet).map(([k, sub]) => [k, Array.isArray(sub) ? rewriteStages(sub as Doc[]) : sub]));
      return [{ $facet: facets }];
    }
    if (!isPlainObject(stage.$bucket)) return [stage];
    const { groupBy, boundaries, output } = stage.$bucket;
    if (!Array.isArray(boundaries) || boundaries.length < 2) throw new CommandError('Location40192', "The $bucket 'boundaries' field must be an array of at least two values");
    const branches = boundaries.slice(0, -1).map((lo, i) => ({
      case: { $and: [{ $gte: [groupBy, lo] }, { $lt: [groupBy, boundaries[i + 1]] }] },
      then: lo,
    }));
    const hasDefault = 'default' in stage.$bucket;
    const key = { $switch: hasDefault ? { branches, default: stage.$bucket.default } : { branches } };
    return [{ $group: { _id: key, ...(isPlainObject(output) ? output : { count: { $sum: 1 } }) } }, { $sort: { _id: 1 } }];
  });
}

const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** How many leading stages `select` answers: a `$match`, then a `$sort`, then a `$skip` and a `$limit`. */
function leadingSelection(pipeline: Doc[]): { filter: Doc; sel: SelectOptions; consumed: number } | undefined {
  let i = 0;
  const filter = isPlainObject(pipeline[0]?.$match) ? (pipeline[i++].$match as Doc) : undefined;
  const sort = isPlainObject(pipeline[i]?.$sort) ? (pipeline[i++].$sort as Doc) : undefined;
  const sel: SelectOptions = { sort };
  if (sort && isCount(pipeline[i]?.$skip, 0)) sel.skip = pipeline[i++].$skip as number;
  if (sort && isCount(pipeline[i]?.$limit, 1)) sel.limit = pipeline[i++].$limit as number;
  return i ? { filter: filter ?? {}, sel, consumed: i } : undefined;
}

/** Stages that only read their input documents and make new ones (mingo writes into its input in others). */
const READ_ONLY_STAGES = new Set(['$match', '$group', '$project', '$count', '$limit', '$skip', '$sort']);
const readsOnly = (stage: Doc): boolean => {
  const [name] = Object.keys(stage);
  if (name === '$unwind') return typeof stage.$unwind === 'string' || (isPlainObject(stage.$unwind) && !stage.$unwind.includeArrayIndex && !stage.$unwind.preserveNullAndEmptyArrays);
  return READ_ONLY_STAGES.has(name);
};

/**
 * How many of `stages` may run on the stored documents themselves: the leading read-only ones, whose
 * results (few, after a $group or a $project) are copied before any other stage or the reply sees them.
 * Copying each stored document first cost most of a report's time (a district's ledger is 1,000,000 entries);
 * the stored documents are deep-frozen, so a stage that did write into them would fail, never change them.
 */
function lentPrefix(stages: Doc[]): number {
  let n = 0;
  while (n < stages.length && readsOnly(stages[n])) n++;
  return n;
}

const isConstant = (v: unknown): boolean => v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && !v.startsWith('$'));

/**
 * A count after the leading $match, as the driver's countDocuments sends it (`$group` of a constant key
 * with `$sum: 1`) or as `$count`: the one result document it makes from the number, or none for zero.
 */
function countShape(stages: Doc[]): ((n: number) => Doc[]) | undefined {
  if (stages.length !== 1) return undefined;
  const [stage] = stages;
  if (isCountField(stage.$count)) {
    const field = stage.$count;
    return (n) => (n ? [{ [field]: n }] : []);
  }
  const group = stage.$group;
  if (!isPlainObject(group) || !('_id' in group) || !isConstant(group._id)) return undefined;
  const sums = Object.entries(group).filter(([k]) => k !== '_id');
  if (sums.length !== 1 || !isPlainObject(sums[0][1]) || Object.keys(sums[0][1]).length !== 1 || sums[0][1].$sum !== 1) return undefined;
  const [[field]] = sums;
  return (n) => (n ? [{ _id: group._id, [field]: n }] : []);
}

/**
 * Runs the pipeline; leading $match (including $text), $sort, $skip and $limit are answered by `select`,
 * through an index when one fits. Read-only stages see the stored documents, their results are copied.
 */
export function runPipeline(ctx: CommandContext, collName: string | undefined, pipeline: Doc[]): { docs: Doc[]; indexName?: string } {
  const opts = queryOptions(ctx);
  const coll = collName === undefined ? undefined : existing(ctx, collName);
  let input: Doc[] = [];
  let indexName: string | undefined;
  let stages = pipeline;
  const lead = leadingSelection(pipeline);
  if (lead) stages = pipeline.slice(lead.consumed);
  const counted = lead && !lead.sel.sort && coll && ctx.cmd.explain !== true ? countShape(stages) : undefined;
  if (counted) {
    const { n, indexName: used } = countMatching(coll, lead!.filter, opts);
    return { docs: counted(n), indexName: used };
  }
  stages = rewriteStages(stages);
  const lent = lentPrefix(stages);
  if (lead) {
    const sel = select(coll, lead.filter, opts, { ...lead.sel, lend: true });
    input = sel.matches.map((m) => m.doc);
    indexName = sel.indexName;
  } else if (coll) {
    input = [...coll.peekAll()].map((r) => r.doc as Doc);
  }
  try {
    const read = runStages(input, stages.slice(0, lent), opts, true).map(cloneValue);
    return { docs: runStages(read, stages.slice(lent), opts), indexName };
  } catch (err) {
    throw toCommandError(err);
  }
}

const mingoStream = (stages: Doc[], docs: Stream, opts: MingoOptions): Stream => new Aggregator(stages, opts).stream(docs) as Stream;

/**
 * mingo runs the stages, except `$sort` (mingo orders arrays by their first element; mongod by the smallest
 * or largest, as find does), `$facet`, whose sub-pipelines need that `$sort` too, a `$group` made
 * of expressions it knows (`plainGroup`) and, on lent documents, the plain `lentStage`s.
 * Rows stream from stage to stage; only a `$sort`, a plain `$group` or a `$facet` holds them all.
 */
function runStages(input: Doc[], stages: Doc[], opts: MingoOptions, lent = false): Doc[] {
  let docs: Stream = input;
  let pending: Doc[] = [];
  const flush = (): void => {
    if (pending.length) docs = mingoStream(pending, docs, opts);
    pending = [];
  };
  const all = (): Doc[] => (Array.isArray(docs) ? docs : Array.from(docs));
  for (const stage of stages) {
    const plain = lent ? lentStage(stage, opts) : undefined;
    if (plain) {
      flush();
      docs = plain(docs);
    } else if (isPlainObject(stage.$sort)) {
      flush();
      docs = sortBy(all(), sortComparator(stage.$sort), (d) => d);
    } else if (isPlainObject(stage.$group)) {
      flush();
      const grouped = plainGroup(stage.$group);
      const rows = grouped ? all() : docs;
      docs = grouped?.(rows as Doc[]) ?? mingoStream([stage], rows, opts);
    } else if (isPlainObject(stage.$facet)) {
      flush();
      const rows = all();
      const facets = Object.entries(stage.$facet).map(([name, sub]) => {
        if (!Array.isArray(sub)) throw new CommandError('TypeMismatch', `arguments to $facet must be arrays, ${name} is type ${typeof sub}`);
        return [name, runStages(rows.map(cloneValue), sub as Doc[], opts)];
      });
      docs = [Object.fromEntries(facets)];
    } else {
      pending.push(stage);
    }
  }
  flush();
  return all();
}

function outTarget(ctx: CommandContext, stage: unknown): { db: string; coll: string } {
  if (typeof stage === 'string') return { db: ctx.db, coll: stage };
  if (isPlainObject(stage) && typeof stage.coll === 'string') return { db: typeof stage.db === 'string' ? stage.db : ctx.db, coll: stage.coll };
  throw new CommandError('FailedToParse', '$out stage requires a string or an object with a coll field');
}

function aggregate(ctx: CommandContext): Doc {
  const target = ctx.cmd.aggregate;
  if (typeof target !== 'string' && target !== 1) throw new CommandError('InvalidNamespace', "aggregate must be a collection name or 1");
  const collName = typeof target === 'string' ? target : undefined;
  let pipeline = parsePipeline(ctx.cmd.pipeline);
  const last = pipeline[pipeline.length - 1];
  const out = last && '$out' in last ? outTarget(ctx, last.$out) : undefined;
  if (out) pipeline = pipeline.slice(0, -1);
  if (ctx.cmd.explain !== true && !isPlainObject(ctx.cmd.cursor)) {
    throw new CommandError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  const { docs, indexName } = runPipeline(ctx, collName, pipeline);
  const ns = `${ctx.db}.${collName ?? '$cmd.aggregate'}`;
  if (ctx.cmd.explain === true) {
    return { queryPlanner: { namespace: ns, winningPlan: indexName ? { stage: 'IXSCAN', indexName } : { stage: 'COLLSCAN' } }, ok: 1 };
  }
  if (out) {
    const catalog = ctx.state.catalog;
    catalog.drop(out.db, out.coll);
    const coll = catalog.create(out.db, out.coll, {});
    for (const d of docs) coll.insert(withIdFirst(d));
    return cursorReply(ns, [], Long.ZERO, true);
  }
  const batchSize = optionalNumber(optionalDoc(ctx.cmd, 'cursor') ?? {}, 'batchSize');
  const { batch, id } = ctx.state.cursors.open(ns, docs, batchSize);
  return cursorReply(ns, batch, id, true);
}

export const aggregateCommands: Record<string, Handler> = { aggregate };
