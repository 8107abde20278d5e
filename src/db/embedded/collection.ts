import { UUID } from 'bson';
import { CommandError } from './errors';
import { Index } from './indexes';
import { IndexSpec, sameIndexOptions } from './indexSpecs';
import { sameValue } from './ordering';
import { formatKeyValue } from './format';
import { bsonSize, ownedCopy, RecordStore } from './records';
import { cloneValue, Doc } from './values';

export type JournalOp =
  | { op: 'createCollection'; db: string; coll: string; options: Doc }
  | { op: 'dropCollection'; db: string; coll: string }
  | { op: 'createIndex'; db: string; coll: string; spec: IndexSpec }
  | { op: 'dropIndex'; db: string; coll: string; name: string }
  | { op: 'insert'; db: string; coll: string; doc: Doc }
  | { op: 'replace'; db: string; coll: string; doc: Doc }
  | { op: 'delete'; db: string; coll: string; id: unknown };

export interface Journal {
  record(op: JournalOp): void;
}

/** Where a collection finds the current journal (none while replaying persisted data). */
export interface JournalHolder {
  journal: Journal | undefined;
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

/**
 * One collection: documents by record id plus their indexes, kept consistent on every write. Documents
 * go in and come out as copies (see `RecordStore`), so no caller ever holds a stored object.
 */
export class Collection {
  readonly indexes: Index[] = [new Index(ID_INDEX)];
  readonly uuid = new UUID();
  /** Documents and index keys looked at by queries; tests read these to prove index use. */
  readonly stats = { docsExamined: 0, keysExamined: 0 };
  private nextRid = 1;

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Doc,
    private readonly holder: JournalHolder,
    private readonly records: RecordStore,
  ) {}

  get count(): number {
    return this.records.size;
  }

  /** A fresh copy of record `rid`. */
  read(rid: number): Doc | undefined {
    return this.records.read(rid);
  }

  rids(): IterableIterator<number> {
    return this.records.rids();
  }

  /** The stored document itself, read-only: for code that only looks (filter tests, index keys, sizes). */
  peek(rid: number): Readonly<Doc> | undefined {
    return this.records.peek(rid);
  }

  /** Every document (fresh copies) with its record id. */
  *documents(): Generator<{ rid: number; doc: Doc }> {
    for (const rid of this.records.rids()) yield { rid, doc: this.records.read(rid)! };
  }

  /** Every stored document, read-only (see `peek`). */
  *peekAll(): Generator<{ rid: number; doc: Readonly<Doc> }> {
    for (const rid of this.records.rids()) yield { rid, doc: this.records.peek(rid)! };
  }

  /** Total BSON size of the documents. */
  dataSize(): number {
    let size = 0;
    for (const { doc } of this.peekAll()) size += bsonSize(doc);
    return size;
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get idIndex(): Index {
    return this.indexes[0];
  }

  /** Record id of the document with this `_id`. */
  ridOf(id: unknown): number | undefined {
    for (const rid of this.idIndex.scan([id], undefined, () => undefined)) return rid;
    return undefined;
  }

  private keysOf(doc: Readonly<Doc>): unknown[][][] {
    return this.indexes.map((ix) => ix.keysFor(doc));
  }

  private checkUnique(keys: unknown[][][], self: number | undefined): void {
    this.indexes.forEach((ix, i) => {
      const hit = ix.conflict(keys[i], self);
      if (hit) throw duplicateKeyError(this.ns, ix, hit.key);
    });
  }

  /** Inserts a document (which must already have an `_id`); throws E11000 without changing anything. */
  insert(doc: Doc): void {
    const stored = ownedCopy(doc);
    const keys = this.keysOf(stored);
    this.checkUnique(keys, undefined);
    const rid = this.nextRid++;
    this.records.write(rid, stored);
    this.indexes.forEach((ix, i) => ix.add(rid, keys[i]));
    this.holder.journal?.record({ op: 'insert', db: this.db, coll: this.name, doc: stored });
  }

  /** Replaces the stored version of record `rid` by (a copy of) `doc`. */
  replace(rid: number, doc: Doc): void {
    const old = this.records.peek(rid);
    if (!old) throw new CommandError('InternalError', `record ${rid} vanished`);
    const stored = ownedCopy(doc);
    // Most updates leave most indexed fields alone: those indexes are neither checked nor touched.
    const moved = this.indexes.flatMap((ix) => {
      const before = ix.keysFor(old);
      const after = ix.keysFor(stored);
      return sameValue(before, after) ? [] : [{ ix, before, after }];
    });
    for (const { ix, after } of moved) {
      const hit = ix.conflict(after, rid);
      if (hit) throw duplicateKeyError(this.ns, ix, hit.key);
    }
    for (const { ix, before, after } of moved) {
      ix.removeKeys(rid, before);
      ix.add(rid, after);
    }
    this.records.write(rid, stored);
    this.holder.journal?.record({ op: 'replace', db: this.db, coll: this.name, doc: stored });
  }

  delete(rid: number): void {
    const old = this.records.peek(rid);
    if (!old) return;
    this.indexes.forEach((ix) => ix.remove(rid, old));
    this.records.delete(rid);
    this.holder.journal?.record({ op: 'delete', db: this.db, coll: this.name, id: old._id });
  }

  findIndex(name: string): Index | undefined {
    return this.indexes.find((ix) => ix.name === name);
  }

  /** Builds an index over existing documents; returns false if an identical one already exists. */
  createIndex(spec: IndexSpec): boolean {
    const sameName = this.findIndex(spec.name);
    const sameKey = this.indexes.find((ix) => sameKeyPattern(ix.spec, spec));
    if (sameName && sameIndexOptions(sameName.spec, spec)) return false;
    if (sameName) {
      throw new CommandError(
        sameKeyPattern(sameName.spec, spec) ? 'IndexOptionsConflict' : 'IndexKeySpecsConflict',
        `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${describe(spec)}, existing index: ${describe(sameName.spec)}`,
      );
    }
    if (sameKey && !distinguishable(sameKey.spec, spec)) {
      throw new CommandError(
        'IndexOptionsConflict',
        `An equivalent index already exists with a different name and options. Requested index: ${describe(spec)}, existing index: ${describe(sameKey.spec)}`,
      );
    }
    const ix = new Index(spec);
    const otherText = ix.text && this.indexes.find((i) => i.text);
    if (otherText) throw new CommandError('IndexOptionsConflict', `only one text index per collection allowed, found existing text index "${otherText.name}"`);
    for (const { rid, doc } of this.peekAll()) {
      const keys = ix.keysFor(doc);
      const hit = ix.conflict(keys, rid);
      if (hit) throw duplicateKeyError(this.ns, ix, hit.key);
      ix.add(rid, keys);
    }
    this.indexes.push(ix);
    this.holder.journal?.record({ op: 'createIndex', db: this.db, coll: this.name, spec });
    return true;
  }

  dropIndex(name: string): void {
    const i = this.indexes.findIndex((ix) => ix.name === name);
    if (i < 0) throw new CommandError('IndexNotFound', `index not found with name [${name}]`);
    if (i === 0) throw new CommandError('InvalidOptions', 'cannot drop _id index');
    this.indexes.splice(i, 1);
    this.holder.journal?.record({ op: 'dropIndex', db: this.db, coll: this.name, name });
  }
}

function sameKeyPattern(a: IndexSpec, b: IndexSpec): boolean {
  const ka = Object.entries(a.key);
  const kb = Object.entries(b.key);
  return ka.length === kb.length && ka.every(([f, d], i) => kb[i][0] === f && kb[i][1] === d);
}

/** mongod allows two indexes on the same key pattern only if they differ in partial filter or collation. */
function distinguishable(a: IndexSpec, b: IndexSpec): boolean {
  return JSON.stringify(a.partialFilterExpression ?? null) !== JSON.stringify(b.partialFilterExpression ?? null) || JSON.stringify(a.collation ?? null) !== JSON.stringify(b.collation ?? null);
}

function describe(spec: IndexSpec): string {
  return formatKeyValue(spec as unknown as Doc);
}

export function duplicateKeyError(ns: string, ix: Index, key: unknown[]): CommandError {
  const keyValue: Doc = {};
  ix.fields.forEach((f, i) => (keyValue[f.path] = cloneValue(key[i])));
  const shown = formatKeyValue(keyValue);
  return new CommandError('DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${ix.name} dup key: ${shown}`, {
    keyPattern: ix.spec.key,
    keyValue,
  });
}
