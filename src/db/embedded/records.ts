import { deserialize, serialize } from 'bson';
import { Doc, fromWire, toWire } from './values';

const DESERIALIZE = { promoteValues: false, promoteBuffers: false, bsonRegExp: false } as const;

/**
 * Where a collection keeps its documents. `read` must hand out an object nobody else holds: what a
 * caller does with it (a projection deleting fields, a pipeline stage, a reply being changed) can never
 * reach stored data.
 */
export interface RecordStore {
  readonly size: number;
  read(rid: number): Doc | undefined;
  write(rid: number, doc: Doc): void;
  delete(rid: number): void;
  rids(): IterableIterator<number>;
  /** The stored document as BSON (sizes, snapshots). */
  bytes(rid: number): Uint8Array | undefined;
}

export function encodeDocument(doc: Doc): Uint8Array {
  return serialize(toWire(doc) as Doc);
}

export function decodeDocument(bytes: Uint8Array): Doc {
  return fromWire(deserialize(bytes, DESERIALIZE)) as Doc;
}

/** Documents kept as their BSON bytes, like a real server: every read decodes a fresh object. */
export class BsonRecords implements RecordStore {
  private readonly docs = new Map<number, Uint8Array>();

  get size(): number {
    return this.docs.size;
  }

  read(rid: number): Doc | undefined {
    const b = this.docs.get(rid);
    return b && decodeDocument(b);
  }

  write(rid: number, doc: Doc): void {
    this.docs.set(rid, encodeDocument(doc));
  }

  delete(rid: number): void {
    this.docs.delete(rid);
  }

  rids(): IterableIterator<number> {
    return this.docs.keys();
  }

  bytes(rid: number): Uint8Array | undefined {
    return this.docs.get(rid);
  }
}
