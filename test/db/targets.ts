import { spawnSync } from 'node:child_process';
import { startEmbeddedMongo } from '../../src/db/embedded';

export interface DbServer {
  /** Server URI ending in '/', ready for a database name to be appended. */
  uri: string;
  stop(): Promise<void>;
}

export interface DbTarget {
  name: string;
  /** Tests of embedded-only knobs (TTL sweep period, cursor reaper) are registered for this target only. */
  embedded: boolean;
  start(): Promise<DbServer>;
}

function serverUri(uri: string): string {
  const url = new URL(uri);
  url.pathname = '/';
  return url.toString();
}

const PROBE = `
const { DryMongoBinary } = require('mongodb-memory-server-core/lib/util/DryMongoBinary');
const { MongoMemoryServer } = require('mongodb-memory-server-core');
(async () => {
  if (!(await DryMongoBinary.locateBinary({}))) process.exit(1);
  const s = await MongoMemoryServer.create();
  await s.stop();
  process.exit(0);
})().catch(() => process.exit(1));
`;

/** True if mongodb-memory-server can start a real mongod within a few seconds (never offline without a cached binary). */
function memoryServerStarts(): boolean {
  const r = spawnSync(process.execPath, ['-e', PROBE], { timeout: 8000, stdio: 'ignore', cwd: __dirname });
  return r.status === 0;
}

/** The servers the conformance suite runs against: always the embedded one, plus a real mongod when available. */
export function dbTargets(): DbTarget[] {
  const targets: DbTarget[] = [{ name: 'embedded server', embedded: true, start: () => startEmbeddedMongo() }];
  const external = process.env.MONGODB_URI;
  if (external) {
    targets.push({ name: 'MONGODB_URI', embedded: false, start: async () => ({ uri: serverUri(external), stop: async () => undefined }) });
  } else if (memoryServerStarts()) {
    targets.push({
      name: 'mongodb-memory-server',
      embedded: false,
      start: async () => {
        const { MongoMemoryServer } = await import('mongodb-memory-server-core');
        const s = await MongoMemoryServer.create();
        return { uri: serverUri(s.getUri()), stop: async () => void (await s.stop()) };
      },
    });
  }
  return targets;
}
