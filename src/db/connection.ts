import fs from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { AppConfig } from '../config';
import { logger } from '../log';
import { clientUri, readCredential, startEmbeddedMongo, writePrivateFile } from './embedded';

export type DatabaseKind = 'external' | 'memory-server' | 'embedded';

export interface Database {
  kind: DatabaseKind;
  /** Connection string including the database name; ltijs connects with it too. */
  uri: string;
  stop(): Promise<void>;
}

function withDbName(serverUri: string, name: string): string {
  const url = new URL(serverUri);
  if (url.pathname === '/' || url.pathname === '') url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A real mongod through mongodb-memory-server, if its binary is already on disk. Start never downloads one: a
 * download costs the timeout on every offline start, and one that finishes later would switch databases.
 */
async function tryMemoryServer(timeoutMs: number): Promise<{ uri: string; stop(): Promise<void> } | undefined> {
  let mod: typeof import('mongodb-memory-server-core');
  try {
    mod = await import('mongodb-memory-server-core');
  } catch {
    return undefined; // not installed (production installs omit dev dependencies)
  }
  const binary = await mod.DryMongoBinary.generateOptions().then((opts) => mod.DryMongoBinary.locateBinary(opts), () => undefined);
  if (!binary) return undefined;
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref());
  // The library prints its download failures to the console; offline that is expected, so keep it quiet.
  const { warn, error } = console;
  console.warn = console.error = () => undefined;
  const started = mod.MongoMemoryServer.create().then(
    (server) => ({ uri: server.getUri(), stop: async () => void (await server.stop()) }),
    (err: Error) => void logger().debug({ err: err.message }, 'mongodb-memory-server unavailable'),
  );
  try {
    return await Promise.race([started, timeout]);
  } finally {
    Object.assign(console, { warn, error });
  }
}

/** Picks the database in the documented order: MONGODB_URI → mongodb-memory-server → embedded server. */
export async function startDatabase(cfg: AppConfig): Promise<Database> {
  const log = logger();
  const { db } = cfg;
  if (db.uri) {
    log.info({ database: 'external' }, 'database: using MONGODB_URI');
    return { kind: 'external', uri: withDbName(db.uri, db.name), stop: async () => undefined };
  }
  if (cfg.env === 'production' && !db.allowEmbeddedInProduction) {
    throw new Error('MONGODB_URI is required in production. Set it to your MongoDB connection string (mongodb://... or mongodb+srv://...). To run on the embedded single-process database anyway (a trial, never a district), set ALLOW_EMBEDDED_DB=true.');
  }
  if (cfg.env === 'production') log.warn({ database: 'embedded' }, 'ALLOW_EMBEDDED_DB is on: production runs without MONGODB_URI, on a single-process database');
  if (db.tryMemoryServer) {
    const mem = await tryMemoryServer(db.memoryServerTimeoutMs);
    if (mem) {
      log.info({ database: 'memory-server' }, 'database: using mongodb-memory-server (real mongod, in memory)');
      return { kind: 'memory-server', uri: withDbName(mem.uri, db.name), stop: mem.stop };
    }
  }
  const dataDir = db.embedded.dataDir || undefined;
  const running = dataDir ? runningEmbedded(dataDir) : undefined;
  if (running) {
    log.info({ database: 'embedded', port: running.port }, `database: using the embedded server of the running app (pid ${running.pid})`);
    return { kind: 'embedded', uri: withDbName(running.uri, db.name), stop: async () => undefined };
  }
  const { frameTimeoutMs, maxConnections } = db.embedded;
  const embedded = await startEmbeddedMongo({ port: db.embedded.port, dataDir, logger: log, limits: { frameTimeoutMs, maxConnections } });
  if (dataDir) writePrivateFile(serverFile(dataDir), JSON.stringify({ pid: process.pid, port: embedded.port }));
  log.info(
    { database: 'embedded', dataDir: dataDir ?? 'memory' },
    `database: using the embedded server (${dataDir ? `persisted in ${dataDir}` : 'in memory'})`,
  );
  const stop = async () => {
    if (dataDir) fs.rmSync(serverFile(dataDir), { force: true });
    await embedded.stop();
  };
  return { kind: 'embedded', uri: withDbName(embedded.uri, db.name), stop };
}

/** Where a running app says which port its embedded server listens on (mode 0600), so the CLI can share it. */
function serverFile(dataDir: string): string {
  return `${path.resolve(dataDir)}.server.json`;
}

/** The running app's embedded server, reached with the credential stored in its data directory. */
function runningEmbedded(dataDir: string): { pid: number; port: number; uri: string } | undefined {
  let info: { pid: number; port: number };
  try {
    info = JSON.parse(fs.readFileSync(serverFile(dataDir), 'utf8')) as { pid: number; port: number };
    process.kill(info.pid, 0);
  } catch {
    return undefined;
  }
  if (info.pid === process.pid) return undefined;
  const credential = readCredential(dataDir);
  if (!credential) throw new Error(`the app (pid ${info.pid}) is running but its database credential in ${dataDir} cannot be read by this user`);
  return { ...info, uri: clientUri('127.0.0.1', info.port, credential) };
}

export async function connectMongoose(uri: string): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  // Every query otherwise builds an Error for its stack, only for a "query was already executed" message
  // (2% of a launch's CPU in the bench's profile).
  mongoose.set('skipOriginalStackTraces', true);
  return mongoose.connect(uri, { serverSelectionTimeoutMS: 10000, autoIndex: true });
}
