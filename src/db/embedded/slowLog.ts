import { Doc } from './values';

/** Fields of a command whose values say what it asked for; their values are left out of the log, only their keys kept. */
const SHAPED = ['filter', 'query', 'sort', 'projection', 'q', 'update'] as const;

const keysOf = (value: unknown): string[] | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : undefined);

/**
 * What a slow command looked like, without the values it carried (teachers' words never reach the log):
 * its name, collection, the field names of its filter and sort, the stage names of a pipeline.
 * mongod's slow-query log (`slowms`, 100 ms by default) prints the same facts with values.
 */
export function commandShape(name: string, cmd: Doc): Doc {
  const shape: Doc = { command: name, collection: typeof cmd[name] === 'string' ? cmd[name] : undefined };
  for (const field of SHAPED) {
    const keys = keysOf(cmd[field]);
    if (keys) shape[field] = keys;
  }
  if (Array.isArray(cmd.pipeline)) shape.pipeline = cmd.pipeline.map((stage) => keysOf(stage)?.[0]);
  if (Array.isArray(cmd.updates)) shape.updates = cmd.updates.length;
  return shape;
}
