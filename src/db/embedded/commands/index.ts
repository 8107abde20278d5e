import { CommandError, toCommandError } from '../errors';
import { Doc } from '../values';
import { adminCommands } from './admin';
import { aggregateCommands } from './aggregate';
import { CommandContext, Handler } from './context';
import { explainCommands } from './explain';
import { findAndModifyCommands } from './findAndModify';
import { handshakeCommands } from './handshake';
import { indexCommands } from './indexes';
import { readCommands } from './read';
import { writeCommands } from './write';

const HANDLERS: Record<string, Handler> = {
  ...handshakeCommands,
  ...readCommands,
  ...writeCommands,
  ...findAndModifyCommands,
  ...aggregateCommands,
  ...indexCommands,
  ...adminCommands,
  ...explainCommands,
};

/** Executes one command synchronously (so a read-modify-write never interleaves with another) and builds its reply. */
export function runCommand(ctx: CommandContext): Doc {
  const name = Object.keys(ctx.cmd)[0];
  try {
    if (name === undefined) throw new CommandError('FailedToParse', 'Empty command');
    if (ctx.cmd.txnNumber !== undefined || ctx.cmd.startTransaction !== undefined || ctx.cmd.autocommit !== undefined) {
      throw new CommandError('IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
    }
    const handler = Object.prototype.hasOwnProperty.call(HANDLERS, name) ? HANDLERS[name] : undefined;
    if (!handler) throw new CommandError('CommandNotFound', `no such command: '${name}'`);
    count(ctx, name).total++;
    return handler(ctx);
  } catch (err) {
    if (name !== undefined && Object.prototype.hasOwnProperty.call(HANDLERS, name)) count(ctx, name).failed++;
    return toCommandError(err).toReply();
  }
}

function count(ctx: CommandContext, name: string): { total: number; failed: number } {
  let counter = ctx.state.commandCounts.get(name);
  if (!counter) ctx.state.commandCounts.set(name, (counter = { total: 0, failed: 0 }));
  return counter;
}
