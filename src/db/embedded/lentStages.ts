import { Aggregator } from 'mingo';
import { FIELD_PATH, plainProjection } from './projection';
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
    return projected && function* (docs) {
      for (const doc of docs) yield projected(doc);
    };
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
