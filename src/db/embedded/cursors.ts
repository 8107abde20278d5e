import { randomBytes } from 'node:crypto';
import { calculateObjectSize, Long } from 'bson';
import { CommandError } from './errors';
import { MAX_BSON_OBJECT_SIZE } from './wire';
import { Doc, toWire } from './values';

const DEFAULT_FIRST_BATCH = 101;
// leave room for the reply envelope around a batch
const MAX_BATCH_BYTES = MAX_BSON_OBJECT_SIZE - 64 * 1024;

interface Cursor {
  ns: string;
  docs: Doc[];
  pos: number;
  lastUsed: number;
}

/** Server-side cursors: results are materialized when the command runs and handed out in batches. */
export class CursorRegistry {
  // keyed by the id's decimal string: ids are full 64-bit values like mongod's, beyond JS number precision
  private readonly cursors = new Map<string, Cursor>();
  private readonly timer: NodeJS.Timeout;

  constructor(public timeoutMs: number) {
    this.timer = setInterval(() => this.sweep(), Math.min(4000, Math.max(50, timeoutMs / 2)));
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.cursors.clear();
  }

  /** Returns the first batch and the cursor id (0 when everything fit). */
  open(ns: string, docs: Doc[], batchSize: number | undefined, singleBatch = false): { batch: Doc[]; id: Long } {
    const cursor: Cursor = { ns, docs, pos: 0, lastUsed: Date.now() };
    const batch = take(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    if (singleBatch || cursor.pos >= docs.length) return { batch, id: Long.ZERO };
    let id: Long;
    do id = Long.fromBits(randomBytes(4).readInt32LE(0), (randomBytes(4).readInt32LE(0) & 0x3fffffff) | 0x40000000);
    while (this.cursors.has(id.toString()));
    this.cursors.set(id.toString(), cursor);
    return { batch, id };
  }

  getMore(id: Long, ns: string, batchSize: number | undefined): { batch: Doc[]; id: Long } {
    const key = id.toString();
    const cursor = this.cursors.get(key);
    if (!cursor || this.expired(cursor, Date.now())) {
      this.cursors.delete(key);
      throw new CommandError('CursorNotFound', `cursor id ${key} not found`);
    }
    if (cursor.ns !== ns) {
      throw new CommandError('Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
    }
    cursor.lastUsed = Date.now();
    const batch = take(cursor, batchSize && batchSize > 0 ? batchSize : Infinity);
    if (cursor.pos >= cursor.docs.length) {
      this.cursors.delete(key);
      return { batch, id: Long.ZERO };
    }
    return { batch, id };
  }

  kill(id: Long): boolean {
    return this.cursors.delete(id.toString());
  }

  private expired(c: Cursor, now: number): boolean {
    return now - c.lastUsed > this.timeoutMs;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, c] of this.cursors) if (this.expired(c, now)) this.cursors.delete(id);
  }
}

const sizeOf = (d: Doc): number => calculateObjectSize(toWire(d) as Doc);

function take(c: Cursor, max: number): Doc[] {
  const end = Math.min(c.docs.length, c.pos + max);
  if (end - c.pos <= 1) return c.docs.slice(c.pos, (c.pos = end));
  const out: Doc[] = [c.docs[c.pos]];
  let bytes = sizeOf(c.docs[c.pos++]);
  while (c.pos < end) {
    const size = sizeOf(c.docs[c.pos]);
    if (bytes + size > MAX_BATCH_BYTES) break;
    bytes += size;
    out.push(c.docs[c.pos++]);
  }
  return out;
}
