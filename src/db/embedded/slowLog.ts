import { Doc } from './values';

/** Fields of a command whose values say what it asked for; their values are left out of the log, only their keys kept. */
const SHAPED = ['filter', 'query', 'sort', 'projection', 'q', 'update'] as const;

const keysOf = (value: unknown): string[] | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : undefined);

/** The first write statement's filter fields, update operators (or pipeline stages) and whether it is multi. */
function statementShape(stmt: unknown): Doc | undefined {
  if (!stmt || typeof stmt !== 'object') return undefined;
  const { q, u, multi, limit } = stmt as Doc;
  const out: Doc = { q: keysOf(q) ?? [] };
  if (u !== undefined) out.u = Array.isArray(u) ? u.map((stage) => keysOf(stage)?.[0]) : keysOf(u);
  if (multi === true || limit === 0) out.multi = true;
  return out;
}

/**
 * What a slow command looked like, without the values it carried (teachers' words never reach the log):
 * its name, collection, the field names of its filter and sort, the stage names of a pipeline, and for
 * a write the first statement's filter fields and update operators.
 * mongod's slow-query log (`slowms`, 100 ms by default) prints the same facts with values.
 */
export function commandShape(name: string, cmd: Doc): Doc {
  const shape: Doc = { command: name, collection: typeof cmd[name] === 'string' ? cmd[name] : undefined };
  for (const field of SHAPED) {
    const keys = keysOf(cmd[field]);
    if (keys) shape[field] = keys;
  }
  if (Array.isArray(cmd.pipeline)) shape.pipeline = cmd.pipeline.map((stage) => keysOf(stage)?.[0]);
  for (const list of ['updates', 'deletes'] as const) {
    const statements = cmd[list];
    if (!Array.isArray(statements)) continue;
    shape[list] = statements.length;
    shape.first = statementShape(statements[0]);
  }
  return shape;
}
