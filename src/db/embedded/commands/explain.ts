import { CommandError } from '../errors';
import { select } from '../query';
import { Doc, isPlainObject } from '../values';
import { runPipeline } from './aggregate';
import { CommandContext, existing, Handler, queryOptions } from './context';
import { runFind } from './read';

/** Runs the query part of the explained command (never its writes) and reports the plan and the work done. */
function explain(ctx: CommandContext): Doc {
  const inner = ctx.cmd.explain;
  if (!isPlainObject(inner)) throw new CommandError('FailedToParse', 'explain command requires a nested object');
  const verb = Object.keys(inner)[0];
  const collName = inner[verb];
  if (typeof collName !== 'string') throw new CommandError('InvalidNamespace', 'explain requires a collection name');
  const coll = existing(ctx, collName);
  const before = coll ? { ...coll.stats } : { docsExamined: 0, keysExamined: 0 };
  const started = Date.now();
  const sub: CommandContext = { ...ctx, cmd: inner };
  let filter: unknown;
  let result: { nReturned: number; indexName?: string };
  switch (verb) {
    case 'find': {
      filter = inner.filter ?? {};
      const r = runFind(sub);
      result = { nReturned: r.docs.length, indexName: r.indexName };
      break;
    }
    case 'count':
    case 'distinct':
    case 'delete':
    case 'update':
    case 'findAndModify': {
      filter = statementFilter(verb, inner);
      const sel = select(coll, filter, queryOptions(ctx));
      result = { nReturned: sel.matches.length, indexName: sel.indexName };
      break;
    }
    case 'aggregate': {
      const pipeline = Array.isArray(inner.pipeline) ? (inner.pipeline as Doc[]) : [];
      filter = isPlainObject(pipeline[0]?.$match) ? pipeline[0].$match : {};
      const r = runPipeline(sub, collName, pipeline);
      result = { nReturned: r.docs.length, indexName: r.indexName };
      break;
    }
    default:
      throw new CommandError('CommandNotSupported', `explain is not supported for ${verb} by the embedded server`);
  }
  const ix = result.indexName ? coll?.findIndex(result.indexName) : undefined;
  const winningPlan = ix
    ? { stage: 'FETCH', inputStage: { stage: 'IXSCAN', keyPattern: ix.spec.key, indexName: ix.name, isMultiKey: ix.multikey, direction: 'forward' } }
    : { stage: 'COLLSCAN', filter, direction: 'forward' };
  return {
    explainVersion: '1',
    queryPlanner: { namespace: `${ctx.db}.${collName}`, parsedQuery: filter, winningPlan, rejectedPlans: [] },
    executionStats: {
      executionSuccess: true,
      nReturned: result.nReturned,
      executionTimeMillis: Date.now() - started,
      totalKeysExamined: coll ? coll.stats.keysExamined - before.keysExamined : 0,
      totalDocsExamined: coll ? coll.stats.docsExamined - before.docsExamined : 0,
    },
    ok: 1,
  };
}

function statementFilter(verb: string, cmd: Doc): unknown {
  if (verb === 'count' || verb === 'distinct' || verb === 'findAndModify') return cmd.query ?? {};
  const list = cmd[verb === 'delete' ? 'deletes' : 'updates'];
  return Array.isArray(list) && isPlainObject(list[0]) ? (list[0].q ?? {}) : {};
}

export const explainCommands: Record<string, Handler> = { explain };
