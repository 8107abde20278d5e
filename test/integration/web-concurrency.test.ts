import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { config } from '../../src/config';
import { startDatabase } from '../../src/db/connection';
import { demoRoster, startPlatformServer } from '../../src/demo/platform';
import type { RunningPlatform } from '../../src/demo/platform';
import { timedLaunch } from '../../bench/launchClient';

/**
 * `WEB_CONCURRENCY=2` through the real stack: `src/server.ts` as its own process, a primary holding the embedded
 * database and two app workers sharing the port. Launches pass from worker to worker (login, cookie check,
 * launch and landing page each go wherever the round robin sends them); outbox messages and the gradebook
 * columns they need are each delivered once although both workers' outbox jobs poll the same queue.
 */
const ROOT = path.resolve(__dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdp-cluster-'));
const CLIENT_ID = 'cluster-client';
const DEPLOYMENT = 'cluster-1';
const SECRET = 'cluster-test-secret-cluster-test-secret';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function env(port: number): NodeJS.ProcessEnv {
  const { MONGODB_URI: _ignored, ...inherited } = process.env;
  return { ...inherited, NODE_ENV: 'test', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, EMBEDDED_DB_DIR: path.join(dataDir, 'db'), DEMO_ENABLED: 'false', LOG_LEVEL: 'info', APP_SECRET: SECRET, WEB_CONCURRENCY: '2', OUTBOX_POLL_MS: '100' };
}

function run(script: string, args: string[], e: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/swc-register.js'), path.join(ROOT, script), ...args], { cwd: ROOT, env: e });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let port: number;
let server: { child: ChildProcess; output: () => string };
let platform: RunningPlatform;
let client: MongoClient;
let stopDb: () => Promise<void>;

beforeAll(async () => {
  port = await freePort();
  const tool = `http://127.0.0.1:${port}`;
  platform = await startPlatformServer({ flavor: 'canvas', clientId: CLIENT_ID, deploymentId: DEPLOYMENT, tool: { loginUrl: `${tool}/login`, launchUrl: `${tool}/`, jwksUrl: `${tool}/keys` } });
  const { users, course } = demoRoster('canvas');
  Object.values(users).forEach((u) => platform.sim.addUser(u));
  platform.sim.addCourse(course);
  server = run('src/server.ts', [], env(port));
  await until('two listening workers', () => (server.output().match(/PD Pathways listening/g)?.length === 2 ? true : server.child.exitCode !== null ? Promise.reject(new Error(server.output())) : undefined), 180_000);
  const s = platform.sim;
  const cli = run('src/cli/platform.ts', ['add', '--issuer', s.issuer, '--client-id', CLIENT_ID, '--auth', s.authUrl, '--token', s.tokenUrl, '--jwks', s.jwksUrl, '--deployment', DEPLOYMENT, '--family', 'canvas'], env(port));
  expect(await exited(cli.child)).toBe(0);
  const cfg = config();
  const db = await startDatabase({ ...cfg, db: { ...cfg.db, uri: '', name: 'pdpathways', embedded: { ...cfg.db.embedded, dataDir: path.join(dataDir, 'db') } } });
  stopDb = db.stop;
  client = await MongoClient.connect(db.uri);
}, 300_000);

afterAll(async () => {
  await client?.close();
  await stopDb?.();
  if (server?.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await exited(server.child);
  }
  await platform?.close();
  fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
});

const personas = ['teacher', 'teacher2', 'teacher3', 'coach', 'pdlead'] as const;

test('two workers share the port and one database: every launch lands, whichever worker each step reaches', async () => {
  const { users, course } = demoRoster('canvas');
  const pids = new Set(server.output().match(/"pid":(\d+)[^\n]*PD Pathways listening/g));
  expect(pids.size).toBe(2);
  for (let i = 0; i < 10; i++) {
    const user = users[personas[i % personas.length]]!;
    const launched = await timedLaunch(`http://127.0.0.1:${port}`, platform.sim, { user: user.sub, course: course.id, resourceLink: { id: 'cluster' } });
    expect(launched.ltik).not.toBe('');
  }
  const launchedUsers = await client.db().collection('users').countDocuments({ sub: { $in: personas.map((p) => users[p]!.sub) } });
  expect(launchedUsers).toBe(personas.length);
});

test('each outbox message and each gradebook column it needs is delivered once across both workers', async () => {
  const db = client.db();
  const { users, course } = demoRoster('canvas');
  const context = await until('the course recorded by the launches', async () => ((await db.collection('coursecontexts').findOne({ 'ags.lineitems': { $exists: true } })) as { tenantId: ObjectId; contextId: string } | null) ?? undefined);
  const students = ['teacher', 'teacher2', 'teacher3'].map((p) => users[p]!.sub);
  const people = await db.collection('users').find({ sub: { $in: students } }).toArray();
  const placements = Array.from({ length: 6 }, (_, i) => ({
    _id: new ObjectId(),
    tenantId: context.tenantId,
    contextId: context.contextId,
    kind: 'plan',
    ref: '',
    title: `Column ${i}`,
    target: '/plan',
    resourceId: `cluster-${i}`,
    tag: 'pdp-plan',
    lineItem: { label: `Cluster column ${i}`, scoreMaximum: 100 },
    columnBy: 'tool',
  }));
  await db.collection('placements').insertMany(placements);
  const now = new Date();
  const messages = placements.flatMap((p) =>
    people.map((u) => ({
      tenantId: context.tenantId,
      kind: 'ags-score',
      key: `score:${String(p._id)}:${String(u._id)}`,
      version: 0,
      label: `Score for ${String(u.name)}`,
      status: 'pending',
      attempts: 0,
      waits: 0,
      nextAttemptAt: now,
      payload: {
        placementId: String(p._id),
        userId: String(u._id),
        score: { userId: u.sub, scoreGiven: 50, scoreMaximum: 100, activityProgress: 'InProgress', gradingProgress: 'FullyGraded', timestamp: now.toISOString() },
      },
    })),
  );
  await db.collection('outbox').insertMany(messages);

  const finished = await until('every message finished', async () => {
    const open = await db.collection('outbox').countDocuments({ kind: 'ags-score', status: { $in: ['pending', 'leased'] } });
    return open === 0 ? db.collection('outbox').find({ kind: 'ags-score' }).toArray() : undefined;
  });
  expect(finished.map((m) => m.status)).toEqual(messages.map(() => 'done'));
  const columns = platform.sim.ags.lineItems(course.id).filter((item) => item.label?.startsWith('Cluster column'));
  expect(columns).toHaveLength(placements.length);
  for (const column of columns) expect(platform.sim.ags.scores(column.id).map((s) => s.userId).sort()).toEqual([...students].sort());
});

test('SIGTERM stops both workers, then the database, and the primary exits 0', async () => {
  const code = exited(server.child);
  server.child.kill('SIGTERM');
  expect(await code).toBe(0);
  expect(server.output().match(/shutdown complete/g)?.length).toBe(3);
});
