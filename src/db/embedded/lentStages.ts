import { Aggregator } from 'mingo';
import { compileExpression, Compiled, OFF } from './expressions';
import { FIELD_NAME, FIELD_PATH, plainProjection } from './projection';
import { compileFilter, MingoOptions } from './query';
import { Doc, isPlainObject } from './values';

// The per-document stages reports run before a $group (a plain projection, unwind goals and activities,
// match), done without mingo's path machinery and one document at a time, so the goal × activity rows
// stream into the next stage instead of being held all at once. They run only on stored documents that
// are lent, read-only (see `lentPrefix`): rows share parts with their stored document. A document whose
// shape the plain path does not cover goes through mingo's own stage, so results never differ.

export type Stream = Iterable<Doc>;
export type LentStage = (docs: Stream) => Stream;

function* perDocument(docs: Stream, stage: Doc, opts: MingoOptions, native: (doc: Doc) => Doc[] | undefined): Stream {
  let mingo: Aggregator | undefined;
  for (const doc of docs) {
    const rows = native(doc) ?? (mingo ??= new Aggregator([stage], opts)).run([doc]);
    yield* rows as Doc[];
  }
}

/** `$project` with computed fields (`{ userId: 1, hours: { $sum: '$goals.activities.hours' } }`); undefined for anything else. */
function computedProjection(spec: Doc): ((doc: Doc) => Doc[] | undefined) | undefined {
  const fields: [string, Compiled][] = [];
  let keepId = true;
  for (const [name, how] of Object.entries(spec)) {
    if (name === '_id' && (how === 0 || how === false)) keepId = false;
    else if (!FIELD_NAME.test(name)) return undefined;
    else if (how === 1 || how === true) fields.push([name, ({ root }) => root[name]]);
    else if (typeof how === 'number' || typeof how === 'boolean') return undefined;
    else {
      const f = compileExpression(how);
      if (!f) return undefined;
      if (name === '_id') keepId = false;
      fields.push([name, f]);
    }
  }
  return (doc) => {
    const scope = { root: doc, vars: {} };
    const out: Doc = keepId && doc._id !== undefined ? { _id: doc._id } : {};
    try {
      for (const [name, f] of fields) {
        const v = f(scope);
        if (v !== undefined) out[name] = v;
      }
    } catch (err) {
      if (err === OFF) return undefined;
      throw err;
    }
    return [out];
  };
}

function unwindPath(spec: unknown): string[] | undefined {
  const path = typeof spec === 'string' ? spec : isPlainObject(spec) && Object.keys(spec).length === 1 ? spec.path : undefined;
  return typeof path === 'string' && path.startsWith('$') && FIELD_PATH.test(path.slice(1)) ? path.slice(1).split('.') : undefined;
}

/** One row per element of the array at `path`; undefined when a step is not a plain document or the end is not an array. */
function unwound(doc: Doc, path: string[], at = 0): Doc[] | undefined {
  const value = doc[path[at]];
  if (at === path.length - 1) return Array.isArray(value) ? value.map((element) => ({ ...doc, [path[at]]: element })) : undefined;
  if (!isPlainObject(value)) return undefined;
  return unwound(value, path, at + 1)?.map((inner) => ({ ...doc, [path[at]]: inner }));
}

/** The plain-path version of `stage`, or undefined when it must be left to mingo. */
export function lentStage(stage: Doc, opts: MingoOptions): LentStage | undefined {
  if (isPlainObject(stage.$project)) {
    const projected = plainProjection(stage.$project);
    if (projected) {
      return function* (docs) {
        for (const doc of docs) yield projected(doc);
      };
    }
    const computed = computedProjection(stage.$project);
    return computed && ((docs) => perDocument(docs, stage, opts, computed));
  }
  if ('$unwind' in stage) {
    const path = unwindPath(stage.$unwind);
    return path && ((docs) => perDocument(docs, stage, opts, (doc) => unwound(doc, path)));
  }
  if (isPlainObject(stage.$match) && !('$text' in stage.$match)) {
    const test = compileFilter(stage.$match, opts);
    return function* (docs) {
      for (const doc of docs) if (test(doc)) yield doc;
    };
  }
  return undefined;
}
