import { CommandError } from '../errors';
import { project, select } from '../query';
import { applyUpdate, validateUpdate } from '../updates';
import { sameValue } from '../ordering';
import { Doc } from '../values';
import { collectionName, CommandContext, Handler, optionalDoc, queryOptions } from './context';
import { upsertDocument } from './write';

function findAndModify(ctx: CommandContext): Doc {
  const name = collectionName(ctx);
  const cmd = ctx.cmd;
  const query = optionalDoc(cmd, 'query') ?? {};
  const remove = cmd.remove === true;
  if (remove && cmd.update !== undefined) throw new CommandError('FailedToParse', 'Cannot specify both an update and remove=true');
  if (!remove && cmd.update === undefined) throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  if (remove && (cmd.new === true || cmd.upsert === true)) throw new CommandError('FailedToParse', 'Cannot specify both new=true and remove=true; \'remove\' always returns the deleted document');
  const u = remove ? undefined : validateUpdate(cmd.update);
  const arrayFilters = cmd.arrayFilters as Doc[] | undefined;
  const opts = queryOptions(ctx);
  const fields = optionalDoc(cmd, 'fields');
  const coll = ctx.state.catalog.get(ctx.db, name);
  const sel = select(coll, query, opts, { sort: optionalDoc(cmd, 'sort'), limit: 1 });
  const [match] = sel.matches;
  const shape = (doc: Doc | null): Doc | null => (doc ? project([doc], fields, opts, sel.scoreOf, query)[0] : null);
  if (remove) {
    if (!match) return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
    coll!.delete(match.rid);
    return { lastErrorObject: { n: 1 }, value: shape(match.doc), ok: 1 };
  }
  if (!match) {
    if (cmd.upsert !== true) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
    const doc = upsertDocument(query, u!, arrayFilters, opts);
    ctx.state.catalog.ensure(ctx.db, name).insert(doc);
    return { lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id }, value: cmd.new === true ? shape(doc) : null, ok: 1 };
  }
  const next = applyUpdate(match.doc, u!, { filter: query, arrayFilters, inserting: false, opts });
  if (!sameValue(next, match.doc)) coll!.replace(match.rid, next);
  return { lastErrorObject: { n: 1, updatedExisting: true }, value: shape(cmd.new === true ? next : match.doc), ok: 1 };
}

export const findAndModifyCommands: Record<string, Handler> = {
  findAndModify,
  findandmodify: findAndModify,
};
