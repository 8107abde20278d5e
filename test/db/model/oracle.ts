import { Aggregator, Query } from 'mingo';
import { answer, clone, keyOf } from './canonical';
import { Command, Doc, Outcome, PEOPLE } from './commands';
import { compare, equal, reach, sortDocs } from './order';
import { applyUpdate, ServerError, upsertSeed } from './oracleUpdate';

const DUPLICATE_KEY = 11000;
const OPTIONS_CONFLICT = 85;
const KEY_SPECS_CONFLICT = 86;

export interface IndexDef {
  key: Doc;
  name: string;
  unique?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
}


const matcher = (filter: Doc): ((d: Doc) => boolean) => {
  const q = new Query(filter);
  return (d) => q.test(d);
};

/** Index keys of a document, as strings: arrays give one key per element, missing fields null, [] its own key. */
function indexKeys(doc: Doc, ix: IndexDef): string[] {
  if (ix.partialFilterExpression && !matcher(ix.partialFilterExpression)(doc)) return [];
  let tuples: unknown[][] = [[]];
  for (const path of Object.keys(ix.key)) {
    const values = reach(doc, path.split('.')).flatMap((v) => (Array.isArray(v) ? (v.length ? v : ['<empty array>']) : [v ?? null]));
    tuples = tuples.flatMap((t) => values.map((v) => [...t, v]));
  }
  return tuples.map(keyOf);
}

/**
 * The naive model: documents in a plain array (natural order = insertion order), deep copies in and out,
 * mingo for filters, projections and expression stages, no indexes except to reject duplicate keys.
 */
export class Oracle {
  docs: Doc[] = [];
  indexes: IndexDef[] = [{ key: { _id: 1 }, name: '_id_' }];
  /** The updated version of each document a failing multi-update matched (see `reconcile`). */
  private readonly candidates = new Map<string, Doc>();

  constructor(initial: Doc[] = []) {
    this.docs = clone(initial);
  }

  run(cmd: Command): Outcome {
    try {
      return { ok: answer(cmd, this.execute(cmd)) };
    } catch (err) {
      if (err instanceof BulkError) return { error: err.code, writeErrors: err.writeErrors, inserted: err.inserted };
      if (err instanceof ServerError) return { error: err.code };
      if (err instanceof Partial) return { partial: err.codes };
      throw err;
    }
  }

  /** The documents as the server stores them (compared after every step). */
  state(): { docs: unknown; indexes: unknown } {
    return { docs: answer({ kind: 'find', filter: {}, sort: { _id: 1 } }, sortDocs(this.docs, { _id: 1 })), indexes: answer({ kind: 'aggregate', pipeline: [] }, this.indexes) };
  }

  private checkUnique(doc: Doc, except?: Doc): void {
    for (const ix of this.indexes.filter((i) => i.unique || i.name === '_id_')) {
      const mine = new Set(indexKeys(doc, ix));
      if (this.docs.some((d) => d !== except && indexKeys(d, ix).some((k) => mine.has(k)))) throw new ServerError(DUPLICATE_KEY);
    }
  }

  private insert(doc: Doc): void {
    const withId = { _id: doc._id, ...clone(doc) };
    this.checkUnique(withId);
    this.docs.push(withId);
  }

  private matches(filter: Doc, sort?: Doc): Doc[] {
    const found = this.docs.filter(matcher(filter));
    return sort ? sortDocs(found, sort) : found;
  }

  private project(docs: Doc[], filter: Doc, projection?: Doc): Doc[] {
    if (!projection) return clone(docs);
    const positional = Object.keys(projection).some((k) => k.endsWith('.$'));
    return new Query(positional ? filter : {}).find(clone(docs), projection).all() as Doc[];
  }

  private replaceDoc(old: Doc, next: Doc): void {
    this.checkUnique(next, old);
    this.docs[this.docs.indexOf(old)] = next;
  }

  /** Applies an update to one matched document, or upserts; returns [before, after] (before null if upserted). */
  private updateOne(filter: Doc, target: Doc | undefined, update: Doc | Doc[], upsert: boolean, arrayFilters?: Doc[]): [Doc | null, Doc] | undefined {
    if (!target) {
      if (!upsert) return undefined;
      const seed = upsertSeed(filter);
      const created = Array.isArray(update) || Object.keys(update).some((k) => k.startsWith('$')) ? applyUpdate(seed, update, { filter, arrayFilters, inserting: true }) : { _id: seed._id, ...clone(update) };
      this.insert(created);
      return [null, created];
    }
    const next = applyUpdate(target, update, { filter, arrayFilters, inserting: false });
    if (!equal(next, target)) this.replaceDoc(target, next);
    return [target, next];
  }

  private execute(cmd: Command): unknown {
    switch (cmd.kind) {
      case 'insertOne':
        this.insert(cmd.doc);
        return { insertedId: cmd.doc._id };
      case 'insertMany':
        return this.insertMany(cmd.docs, cmd.ordered);
      case 'update':
        return cmd.many ? this.updateMany(cmd.filter, cmd.update, cmd.upsert, cmd.arrayFilters) : this.updateResult(this.updateOne(cmd.filter, this.matches(cmd.filter)[0], cmd.update, cmd.upsert, cmd.arrayFilters));
      case 'replaceOne':
        return this.updateResult(this.updateOne(cmd.filter, this.matches(cmd.filter)[0], cmd.replacement, cmd.upsert));
      case 'delete': {
        const gone = cmd.many ? this.matches(cmd.filter) : this.matches(cmd.filter).slice(0, 1);
        this.docs = this.docs.filter((d) => !gone.includes(d));
        return { deletedCount: gone.length };
      }
      case 'find': {
        let docs = this.matches(cmd.filter, cmd.sort);
        docs = docs.slice(cmd.skip ?? 0, cmd.limit === undefined ? undefined : (cmd.skip ?? 0) + cmd.limit);
        return this.project(docs, cmd.filter, cmd.projection);
      }
      case 'findOneAndUpdate':
      case 'findOneAndReplace': {
        const target = this.matches(cmd.filter, cmd.sort)[0];
        const u = cmd.kind === 'findOneAndUpdate' ? cmd.update : cmd.replacement;
        const r = this.updateOne(cmd.filter, target, u, cmd.upsert, cmd.kind === 'findOneAndUpdate' ? cmd.arrayFilters : undefined);
        const value = r && (cmd.after ? r[1] : r[0]);
        return value ? this.project([value], cmd.filter, cmd.projection)[0] : null;
      }
      case 'findOneAndDelete': {
        const target = this.matches(cmd.filter, cmd.sort)[0];
        if (!target) return null;
        this.docs = this.docs.filter((d) => d !== target);
        return this.project([target], cmd.filter, cmd.projection)[0];
      }
      case 'count':
        return this.matches(cmd.filter).length;
      case 'distinct':
        return this.distinct(cmd.key, cmd.filter);
      case 'aggregate':
        return runPipeline(clone(this.docs), cmd.pipeline);
      case 'createIndex':
        return this.createIndex({ key: cmd.key, name: Object.entries(cmd.key).map(([f, d]) => `${f}_${d}`).join('_'), ...cmd.options });
    }
  }

  private insertMany(docs: Doc[], ordered: boolean): unknown {
    const writeErrors: { index: number; code: number }[] = [];
    for (let i = 0; i < docs.length; i++) {
      try {
        this.insert(docs[i]);
      } catch (err) {
        if (!(err instanceof ServerError)) throw err;
        writeErrors.push({ index: i, code: err.code });
        if (ordered) break;
      }
    }
    if (writeErrors.length) throw new BulkError(writeErrors, (ordered ? writeErrors[0].index : docs.length) - (ordered ? 0 : writeErrors.length));
    return { insertedCount: docs.length };
  }

  private updateResult(r: [Doc | null, Doc] | undefined): unknown {
    if (!r) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
    if (r[0] === null) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: r[1]._id };
    return { matchedCount: 1, modifiedCount: equal(r[0], r[1]) ? 0 : 1, upsertedCount: 0, upsertedId: null };
  }

  private updateMany(filter: Doc, update: Doc | Doc[], upsert: boolean, arrayFilters?: Doc[]): unknown {
    const targets = this.matches(filter);
    if (targets.length === 0) return this.updateResult(this.updateOne(filter, undefined, update, upsert, arrayFilters));
    const before = this.docs.slice();
    const codes = new Set<number>();
    let modified = 0;
    this.candidates.clear();
    for (const t of targets) {
      try {
        const next = applyUpdate(t, update, { filter, arrayFilters, inserting: false });
        this.candidates.set(keyOf(t._id), next);
        if (equal(next, t)) continue;
        this.replaceDoc(t, next);
        modified++;
      } catch (err) {
        if (!(err instanceof ServerError)) throw err;
        codes.add(err.code);
      }
    }
    if (codes.size === 0) return { matchedCount: targets.length, modifiedCount: modified, upsertedCount: 0, upsertedId: null };
    // which documents a failing multi-update changed before it stopped depends on the server's scan order
    this.docs = before;
    throw new Partial([...codes, ...(this.indexes.some((i) => i.unique) ? [DUPLICATE_KEY] : [])]);
  }

  /**
   * After a partial multi-update: takes the server's documents if each is as it was or as the update makes
   * it; returns the first document that is neither.
   */
  reconcile(actual: Doc[]): Doc | undefined {
    const byId = new Map(actual.map((d) => [keyOf(d._id), d]));
    if (byId.size !== this.docs.length) return { count: actual.length };
    for (let i = 0; i < this.docs.length; i++) {
      const id = keyOf(this.docs[i]._id);
      const real = byId.get(id);
      const after = this.candidates.get(id);
      if (!real || (keyOf(real) !== keyOf(this.docs[i]) && (!after || keyOf(real) !== keyOf(after)))) return real ?? this.docs[i];
      this.docs[i] = clone(real);
    }
    return undefined;
  }

  private distinct(key: string, filter: Doc): unknown[] {
    const out: unknown[] = [];
    for (const d of this.matches(filter)) {
      for (const v of reach(d, key.split('.')).flatMap((x) => (Array.isArray(x) ? x : [x]))) {
        if (v !== undefined && !out.some((o) => equal(o, v))) out.push(v);
      }
    }
    return out.sort(compare);
  }

  private createIndex(def: IndexDef): string {
    const same = this.indexes.find((i) => i.name === def.name);
    if (same) {
      if (keyOf(same) === keyOf(def)) return def.name;
      throw new ServerError(keyOf(same.key) === keyOf(def.key) ? OPTIONS_CONFLICT : KEY_SPECS_CONFLICT);
    }
    const seen = new Set<string>();
    for (const d of this.docs) {
      const keys = new Set(indexKeys(d, def));
      if (def.unique && [...keys].some((k) => seen.has(k))) throw new ServerError(DUPLICATE_KEY);
      keys.forEach((k) => seen.add(k));
    }
    this.indexes.push(def);
    return def.name;
  }
}

/** A multi-document update failed: any of these codes is right, and the documents may be half updated. */
export class Partial extends Error {
  constructor(readonly codes: number[]) {
    super('partial update');
  }
}

class BulkError extends ServerError {
  constructor(
    readonly writeErrors: { index: number; code: number }[],
    readonly inserted: number,
  ) {
    super(writeErrors[0].code);
  }
}

/** Aggregation stage by stage: the oracle sorts, buckets and counts itself, mingo evaluates the other stages. */
function runPipeline(docs: Doc[], pipeline: Doc[]): Doc[] {
  let out = docs;
  for (const stage of pipeline) {
    const [name, spec] = Object.entries(stage)[0] as [string, Doc];
    if (name === '$sort') out = sortDocs(out, spec);
    else if (name === '$facet') out = [Object.fromEntries(Object.entries(spec).map(([k, sub]) => [k, runPipeline(clone(out), sub as Doc[])]))];
    else if (name === '$bucket') out = bucket(out, spec);
    // mongod's $count makes no document from no input (mingo makes a count of 0)
    else if (name === '$count') out = out.length ? [{ [spec as unknown as string]: out.length }] : [];
    else out = new Aggregator([stage], { collectionResolver: () => clone(PEOPLE) }).run(out) as Doc[];
  }
  return out;
}

/** `$bucket` on a field path: [lo, hi) buckets in boundary order, then the default bucket. */
function bucket(docs: Doc[], spec: Doc): Doc[] {
  const bounds = spec.boundaries as number[];
  const field = (spec.groupBy as string).slice(1);
  const counts = new Map<unknown, number>();
  for (const d of docs) {
    const v = d[field];
    const i = typeof v === 'number' ? bounds.findIndex((lo, j) => j < bounds.length - 1 && v >= lo && v < bounds[j + 1]) : -1;
    const id = i >= 0 ? bounds[i] : spec.default;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => compare(a, b)).map(([_id, count]) => ({ _id, count }));
}
