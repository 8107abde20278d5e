import fs from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'bson';
import { Catalog } from './catalog';
import { Journal, JournalOp } from './collection';
import { IndexSpec } from './indexSpecs';
import { ensurePrivateDir, FILE_MODE, openPrivate } from './privateFiles';
import type { Logger } from './logger';
import { Doc, fromWire, toWire } from './values';

const SNAPSHOT = 'snapshot.bson';
const OPLOG = 'oplog.bson';
const LOCK = 'mongod.lock';
const WRITE_CHUNK = 1 << 20;
const DESERIALIZE = { promoteValues: false, promoteBuffers: false, bsonRegExp: false } as const;

const lockedHere = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One server per directory: a lock file holding our pid; a lock left by a dead process is taken over. */
function acquireLock(dir: string, logger?: Logger): string {
  const file = path.join(dir, LOCK);
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx', FILE_MODE);
      fs.writeSync(fd, String(process.pid));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      lockedHere.add(file);
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    const ours = pid === process.pid;
    if (Number.isInteger(pid) && pid > 0 && ((ours && lockedHere.has(file)) || (!ours && pidAlive(pid)))) {
      throw new Error(`embedded mongo: data directory ${dir} is in use by process ${pid}`);
    }
    logger?.warn({ dir, stalePid: pid }, 'embedded mongo: taking over a stale lock');
    fs.rmSync(file, { force: true });
  }
}

/** Reads consecutive BSON documents; stops at a torn or corrupt tail and returns where valid data ends. */
function readRecords(buf: Buffer, onRecord: (doc: Doc) => void): number {
  let pos = 0;
  while (pos + 4 <= buf.length) {
    const size = buf.readInt32LE(pos);
    if (size < 5 || pos + size > buf.length || buf[pos + size - 1] !== 0) break;
    let doc: Doc;
    try {
      doc = fromWire(deserialize(buf.subarray(pos, pos + size), DESERIALIZE)) as Doc;
    } catch {
      break;
    }
    onRecord(doc);
    pos += size;
  }
  return pos;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Durability for a data directory: every acknowledged command's writes are appended to an operation log
 * and fsynced before the reply goes out; the log is periodically folded into a snapshot.
 */
export class Persistence implements Journal {
  private pending: JournalOp[] = [];
  private seq = 0;
  private oplogFd: number;
  private oplogBytes = 0;
  /** Size of the last snapshot: the log may grow as large before folding, so compaction costs O(1) per byte logged. */
  private snapshotBytes = 0;

  private constructor(
    private readonly dir: string,
    private readonly catalog: Catalog,
    private readonly lockFile: string,
    private readonly compactBytes: number,
  ) {
    this.oplogFd = openPrivate(path.join(dir, OPLOG), 'a');
  }

  static open(dir: string, catalog: Catalog, logger?: Logger, compactBytes = 64 << 20): Persistence {
    ensurePrivateDir(dir);
    const lockFile = acquireLock(dir, logger);
    try {
      const snapshotSeq = loadSnapshot(path.join(dir, SNAPSHOT), catalog);
      const oplogPath = path.join(dir, OPLOG);
      let seq = snapshotSeq;
      let replayed = 0;
      if (fs.existsSync(oplogPath)) {
        const buf = fs.readFileSync(oplogPath);
        const valid = readRecords(buf, (rec) => {
          const recSeq = Number(rec.seq);
          if (recSeq <= snapshotSeq) return;
          for (const op of rec.ops as JournalOp[]) apply(catalog, op);
          seq = recSeq;
          replayed++;
        });
        if (valid < buf.length) {
          logger?.warn({ dir, bytes: buf.length - valid }, 'embedded mongo: ignoring a torn record at the end of the operation log');
          fs.truncateSync(oplogPath, valid);
        }
      }
      const p = new Persistence(dir, catalog, lockFile, compactBytes);
      p.seq = seq;
      catalog.journal = p;
      if (replayed > 0) p.compact();
      logger?.info({ dir, replayed }, 'embedded mongo: data loaded');
      return p;
    } catch (err) {
      fs.rmSync(lockFile, { force: true });
      lockedHere.delete(lockFile);
      throw err;
    }
  }

  record(op: JournalOp): void {
    this.pending.push(op);
  }

  /** Makes the buffered writes of the last command durable (one log record, fsynced). */
  flush(): void {
    if (this.pending.length === 0) return;
    const rec = serialize(toWire({ seq: ++this.seq, ops: this.pending }) as Doc);
    this.pending = [];
    fs.writeSync(this.oplogFd, rec);
    fs.fsyncSync(this.oplogFd);
    this.oplogBytes += rec.length;
    if (this.oplogBytes >= Math.max(this.compactBytes, this.snapshotBytes)) this.compact();
  }

  /** Writes the whole catalog to a new snapshot (temp file, fsync, rename), then empties the log. */
  compact(): void {
    const tmp = path.join(this.dir, `${SNAPSHOT}.tmp`);
    const fd = openPrivate(tmp, 'w');
    try {
      const w = new ChunkWriter(fd);
      w.write({ format: 1, seq: this.seq });
      for (const colls of this.catalog.databases.values()) {
        for (const c of colls.values()) {
          w.write({ db: c.db, coll: c.name, options: c.options, indexes: c.indexes.slice(1).map((ix) => ix.spec) });
          for (const { doc } of c.peekAll()) w.write({ d: doc });
        }
      }
      w.end();
      fs.fsyncSync(fd);
      this.snapshotBytes = w.written;
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(this.dir, SNAPSHOT));
    fsyncDir(this.dir);
    fs.ftruncateSync(this.oplogFd, 0);
    fs.fsyncSync(this.oplogFd);
    this.oplogBytes = 0;
  }

  close(): void {
    this.flush();
    this.compact();
    fs.closeSync(this.oplogFd);
    this.catalog.journal = undefined;
    fs.rmSync(this.lockFile, { force: true });
    lockedHere.delete(this.lockFile);
  }
}

class ChunkWriter {
  private parts: Uint8Array[] = [];
  private size = 0;
  written = 0;

  constructor(private readonly fd: number) {}

  write(doc: Doc): void {
    const b = serialize(toWire(doc) as Doc);
    this.parts.push(b);
    this.size += b.length;
    if (this.size >= WRITE_CHUNK) this.end();
  }

  end(): void {
    if (this.parts.length) fs.writeSync(this.fd, Buffer.concat(this.parts));
    this.written += this.size;
    this.parts = [];
    this.size = 0;
  }
}

function loadSnapshot(file: string, catalog: Catalog): number {
  if (!fs.existsSync(file)) return 0;
  let seq = 0;
  let current: ReturnType<Catalog['create']> | undefined;
  readRecords(fs.readFileSync(file), (rec) => {
    if (rec.format !== undefined) seq = Number(rec.seq);
    else if (rec.d !== undefined) current?.insert(rec.d as Doc);
    else {
      current = catalog.create(String(rec.db), String(rec.coll), rec.options as Doc);
      for (const spec of rec.indexes as IndexSpec[]) current.createIndex(spec);
    }
  });
  return seq;
}

function apply(catalog: Catalog, op: JournalOp): void {
  switch (op.op) {
    case 'createCollection':
      if (!catalog.get(op.db, op.coll)) catalog.create(op.db, op.coll, op.options);
      return;
    case 'dropCollection':
      catalog.drop(op.db, op.coll);
      return;
    case 'createIndex':
      catalog.ensure(op.db, op.coll).createIndex(op.spec);
      return;
    case 'dropIndex':
      catalog.get(op.db, op.coll)?.dropIndex(op.name);
      return;
    case 'insert':
      catalog.ensure(op.db, op.coll).insert(op.doc);
      return;
    case 'replace': {
      const coll = catalog.ensure(op.db, op.coll);
      const rid = coll.ridOf(op.doc._id);
      if (rid !== undefined) coll.replace(rid, op.doc);
      return;
    }
    case 'delete': {
      const coll = catalog.get(op.db, op.coll);
      const rid = coll?.ridOf(op.id);
      if (rid !== undefined) coll!.delete(rid);
      return;
    }
  }
}
