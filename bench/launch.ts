import crypto from 'node:crypto';
import net from 'node:net';
import { demoRoster, startPlatformServer } from '../src/demo/platform';
import type { PlatformSimulator } from '../src/demo/platform';
import { timedLaunch } from './launchClient';
import { runToEnd, startChild, startServer, stop } from './processes';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 15000);
/** BENCH_PERSONAS=teacher,coach limits the launches to those demo personas (default: all five). */
const CLIENT_ID = 'bench-client';
const DEPLOYMENT = 'bench-1';

interface Result {
  launches: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** 50 simulated browsers launching in a loop; latencies counted only after the warm-up. */
async function drive(toolUrl: string, sim: PlatformSimulator): Promise<Result> {
  const { users, course } = demoRoster('canvas');
  const only = process.env.BENCH_PERSONAS?.split(',');
  const people = Object.entries(users).filter(([key]) => !only || only.includes(key)).map(([, u]) => u);
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const measureFrom = start + WARMUP_MS;
  const end = measureFrom + MEASURE_MS;
  const worker = async (i: number) => {
    while (performance.now() < end) {
      const user = people[i % people.length];
      try {
        const ms = await timedLaunch(toolUrl, sim, { user: user.sub, course: course.id, resourceLink: { id: 'bench' } });
        if (performance.now() >= measureFrom && performance.now() < end) latencies.push(ms);
      } catch (err) {
        errors++;
        if (errors <= 3) console.error(`  launch error: ${(err as Error).message.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => worker(i)));
  latencies.sort((a, b) => a - b);
  return { launches: latencies.length, perSecond: latencies.length / (MEASURE_MS / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

async function platform(toolPort: number) {
  const tool = `http://127.0.0.1:${toolPort}`;
  const running = await startPlatformServer({ flavor: 'canvas', clientId: CLIENT_ID, deploymentId: DEPLOYMENT, tool: { loginUrl: `${tool}/login`, launchUrl: `${tool}/`, jwksUrl: `${tool}/keys` } });
  const { users, course } = demoRoster('canvas');
  Object.values(users).forEach((u) => running.sim.addUser(u));
  running.sim.addCourse(course);
  return running;
}

async function measurePdPathways(dbUri: string): Promise<Result> {
  const port = await freePort();
  const plat = await platform(port);
  const env = { NODE_ENV: 'development', MONGODB_URI: `${dbUri}bench_tool`, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DEMO_ENABLED: 'false', LOG_LEVEL: 'warn', APP_SECRET: crypto.randomBytes(32).toString('hex') };
  const s = plat.sim;
  await runToEnd('src/cli/platform.js', ['add', '--issuer', s.issuer, '--client-id', CLIENT_ID, '--auth', s.authUrl, '--token', s.tokenUrl, '--jwks', s.jwksUrl, '--deployment', DEPLOYMENT, '--family', 'canvas'], env);
  const child = await startServer('src/server.js', env, `http://127.0.0.1:${port}/healthz`);
  try {
    return await drive(`http://127.0.0.1:${port}`, s);
  } finally {
    await stop(child);
    await plat.close();
  }
}

async function measureBareLtijs(dbUri: string): Promise<Result> {
  const port = await freePort();
  const plat = await platform(port);
  const s = plat.sim;
  const { child } = await startChild('bench/children/bareLtijs.js', [`${dbUri}bench_bare`, String(port), s.issuer, CLIENT_ID, s.authUrl, s.tokenUrl, s.jwksUrl], {}, /^READY/);
  try {
    return await drive(`http://127.0.0.1:${port}`, s);
  } finally {
    await stop(child);
    await plat.close();
  }
}

function line(name: string, r: Result): string {
  return `${name.padEnd(14)} ${r.perSecond.toFixed(1).padStart(7)} launches/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   (${r.launches} launches, ${r.errors} errors)`;
}

/** Full OIDC launches per second through PD Pathways vs a bare ltijs tool, same database server, same run. */
export async function launchBench(): Promise<void> {
  const { child: db, line: ready } = await startChild('bench/children/dbServer.js', [], {}, /^READY /);
  const dbUri = ready.replace(/^READY /, '').trim();
  try {
    console.log(`launch bench: ${CONCURRENCY} concurrent browsers, ${WARMUP_MS / 1000}s warm-up, ${MEASURE_MS / 1000}s measured`);
    const bare = await measureBareLtijs(dbUri);
    console.log(line('bare ltijs', bare));
    const ours = await measurePdPathways(dbUri);
    console.log(line('PD Pathways', ours));
    console.log(`ratio (PD Pathways / bare ltijs): ${(ours.perSecond / bare.perSecond).toFixed(2)}x   goal >= 0.90x; p99 goal < 50 ms`);
  } finally {
    await stop(db);
  }
}
