import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { demoRoster, startPlatformServer } from '../src/demo/platform';
import type { RunningPlatform } from '../src/demo/platform';
import { runToEnd, startChild, startServer, stop } from './processes';

export const CLIENT_ID = 'bench-client';
export const DEPLOYMENT = 'bench-1';
/** Shared by the bench process and every tool it starts, so secrets one seals the other can open. */
export const APP_SECRET = process.env.APP_SECRET ?? crypto.randomBytes(32).toString('hex');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

export interface BenchDb {
  /** Server URI ending in '/', a database name is appended. */
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

/** The embedded database every tool under test shares, in its own process (as `npm start` runs it in-process). */
export async function startDb(): Promise<BenchDb> {
  const { child, line } = await startChild('bench/children/dbServer.js', [], {}, /^READY /, true);
  return { uri: line.replace(/^READY /, '').trim(), pid: child.pid!, stop: () => stop(child) };
}

/**
 * A driver client for bulk work: the embedded server runs one command at a time, so a large insertMany
 * delays the heartbeats; generous timeouts keep the client from dropping its pool meanwhile.
 */
export const PATIENT = { connectTimeoutMS: 600_000, socketTimeoutMS: 0, heartbeatFrequencyMS: 60_000, serverSelectionTimeoutMS: 600_000 };

export function bulkClient(uri: string): Promise<MongoClient> {
  return MongoClient.connect(uri, PATIENT);
}

/** Commands the database has run, by name (mongod's serverStatus `metrics.commands`). */
export async function commandCounts(client: MongoClient): Promise<Map<string, number>> {
  const status = await client.db('admin').command({ serverStatus: 1 });
  const commands = (status.metrics?.commands ?? {}) as Record<string, { total: number }>;
  return new Map(Object.entries(commands).map(([name, c]) => [name, Number(c.total)]));
}

/** Connection upkeep, not work a launch asks for. */
const UPKEEP = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'saslStart', 'saslContinue', 'serverStatus', 'endSessions', 'buildInfo', 'getParameter']);

export function workCommands(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, n] of after) if (!UPKEEP.has(name) && n - (before.get(name) ?? 0) > 0) out.set(name, n - (before.get(name) ?? 0));
  return out;
}

/** A simulated Canvas that knows the demo roster, pointed at a tool on `toolPort`. */
export async function benchPlatform(toolPort: number): Promise<RunningPlatform> {
  const tool = `http://127.0.0.1:${toolPort}`;
  const running = await startPlatformServer({ flavor: 'canvas', clientId: CLIENT_ID, deploymentId: DEPLOYMENT, tool: { loginUrl: `${tool}/login`, launchUrl: `${tool}/`, jwksUrl: `${tool}/keys` } });
  const { users, course } = demoRoster('canvas');
  Object.values(users).forEach((u) => running.sim.addUser(u));
  running.sim.addCourse(course);
  return running;
}

export function toolEnv(dbUri: string, dbName: string, port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { NODE_ENV: 'development', MONGODB_URI: `${dbUri}${dbName}`, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DEMO_ENABLED: 'false', LOG_LEVEL: 'warn', APP_SECRET, ...extra };
}

export interface RunningTool {
  url: string;
  port: number;
  platform: RunningPlatform;
  child: ChildProcess;
  close(): Promise<void>;
}

/** Registers the simulated platform with PD Pathways (the CLI, as a tool admin would) and starts the server. */
export async function startTool(db: BenchDb, dbName: string, extra: NodeJS.ProcessEnv = {}): Promise<RunningTool> {
  const port = await freePort();
  const platform = await benchPlatform(port);
  const env = toolEnv(db.uri, dbName, port, extra);
  const s = platform.sim;
  await runToEnd('src/cli/platform.js', ['add', '--issuer', s.issuer, '--client-id', CLIENT_ID, '--auth', s.authUrl, '--token', s.tokenUrl, '--jwks', s.jwksUrl, '--deployment', DEPLOYMENT, '--family', 'canvas'], env);
  const child = await startServer('src/server.js', env, `http://127.0.0.1:${port}/healthz`);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    platform,
    child,
    close: async () => {
      await stop(child);
      await platform.close();
    },
  };
}

/** Resident set size of a process and its children (the workers of a cluster), in MB, from /proc. */
export function rssMb(pid: number): number {
  const own = (p: number): number => {
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  const children = (p: number): number[] => {
    try {
      return fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  return own(pid) + children(pid).reduce((sum, c) => sum + rssMb(c), 0);
}
