import { calculateObjectSize } from 'bson';
import { cloneValue, deepFreeze, Doc, toWire } from './values';

/**
 * Where a collection keeps its documents. The store owns them: `write` takes an `ownedCopy`, `read` hands
 * out a copy, so what a caller does with a document (a projection deleting fields, a pipeline stage, a reply
 * being changed) can never reach stored data. `peek` lends the stored document itself, read-only, to
 * code that only looks at it (filter tests, index keys) so that scans copy only what they return.
 */
export interface RecordStore {
  readonly size: number;
  read(rid: number): Doc | undefined;
  peek(rid: number): Readonly<Doc> | undefined;
  /** Stores `doc`, which must come from `ownedCopy` (the store and the indexes share it). */
  write(rid: number, doc: Readonly<Doc>): void;
  delete(rid: number): void;
  rids(): IterableIterator<number>;
}

/** Documents as private, deep-frozen copies; every read gets its own copy. */
export class OwnedRecords implements RecordStore {
  private readonly docs = new Map<number, Readonly<Doc>>();

  get size(): number {
    return this.docs.size;
  }

  read(rid: number): Doc | undefined {
    const d = this.docs.get(rid);
    return d && cloneValue(d);
  }

  peek(rid: number): Readonly<Doc> | undefined {
    return this.docs.get(rid);
  }

  write(rid: number, doc: Readonly<Doc>): void {
    this.docs.set(rid, doc);
  }

  delete(rid: number): void {
    this.docs.delete(rid);
  }

  rids(): IterableIterator<number> {
    return this.docs.keys();
  }
}

/** A private, deep-frozen copy of a client's document: what a store holds and indexes take keys from. */
export function ownedCopy(doc: Doc): Readonly<Doc> {
  return deepFreeze(cloneValue(doc));
}

/** BSON size of a document, as collStats and listDatabases report it. */
export function bsonSize(doc: Readonly<Doc>): number {
  return calculateObjectSize(toWire(doc) as Doc);
}
