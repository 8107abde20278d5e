import os from 'node:os';
import { MongoClient } from 'mongodb';
import { demoRoster } from '../src/demo/platform';
import type { PlatformSimulator } from '../src/demo/platform';
import { ms, perSecond, ratio, recordGoal } from './goals';
import { Launched, step, timedLaunch } from './launchClient';
import { startChild, stop } from './processes';
import { BenchDb, benchPlatform, CLIENT_ID, commandCounts, freePort, percentile, startTool, workCommands } from './stack';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 15000);
const OPEN_RATE = Number(process.env.BENCH_OPEN_RATE ?? 30);
const OPEN_SECONDS = Number(process.env.BENCH_OPEN_SECONDS ?? 30);
const COUNTED_LAUNCHES = 20;
/** BENCH_PERSONAS=teacher,coach limits the launches to those demo personas (default: all five, mixed roles). */
const ONLY = process.env.BENCH_PERSONAS?.split(',');

interface Result {
  launches: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

interface Target {
  url: string;
  sim: PlatformSimulator;
}

const people = () => Object.entries(demoRoster('canvas').users).filter(([key]) => !ONLY || ONLY.includes(key)).map(([, u]) => u);
const course = () => demoRoster('canvas').course;

function launchOnce(t: Target, i: number) {
  const all = people();
  return timedLaunch(t.url, t.sim, { user: all[i % all.length]!.sub, course: course().id, resourceLink: { id: 'bench' } });
}

function summary(latencies: number[], seconds: number, errors: number): Result {
  latencies.sort((a, b) => a - b);
  return { launches: latencies.length, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

function reportError(errors: number, err: unknown): void {
  if (errors <= 3) console.error(`  launch error: ${(err as Error).message.slice(0, 200)}`);
}

/** Closed loop: CONCURRENCY browsers launching back to back; latencies counted only after the warm-up. */
async function saturate(t: Target): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const measureFrom = performance.now() + WARMUP_MS;
  const end = measureFrom + MEASURE_MS;
  const browser = async (i: number) => {
    for (let n = i; performance.now() < end; n += CONCURRENCY) {
      try {
        const { ms: took } = await launchOnce(t, n);
        if (performance.now() >= measureFrom && performance.now() < end) latencies.push(took);
      } catch (err) {
        reportError(++errors, err);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => browser(i)));
  return summary(latencies, MEASURE_MS / 1000, errors);
}

/** Open loop: a launch starts every 1/OPEN_RATE s whatever the others do; latency from its scheduled start. */
async function openLoop(t: Target): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const interval = 1000 / OPEN_RATE;
  const total = OPEN_RATE * OPEN_SECONDS;
  const start = performance.now() + 100;
  const runs: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    runs.push(launchOnce(t, i).then(() => void latencies.push(performance.now() - due), (err) => reportError(++errors, err)));
  }
  await Promise.all(runs);
  return summary(latencies, OPEN_SECONDS, errors);
}

interface RoundTrips {
  perLaunch: number;
  byName: string;
  /** What viewing the landing page again with the ltik costs: its own reads plus ltijs's session tokens and the user. */
  pageView?: number;
}

async function commandsDuring(client: MongoClient, idlePerSecond: number, run: () => Promise<void>): Promise<Map<string, number> & { net: number }> {
  const before = await commandCounts(client);
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const work = workCommands(before, await commandCounts(client));
  const total = [...work.values()].reduce((a, b) => a + b, 0);
  return Object.assign(work, { net: Math.max(0, total - idlePerSecond * seconds) });
}

/** Database commands per launch: COUNTED_LAUNCHES one after another, less what the idle tool runs in as long. */
async function roundTrips(t: Target, db: BenchDb, pageViews = false): Promise<RoundTrips> {
  const client = await MongoClient.connect(db.uri);
  try {
    const idleFrom = await commandCounts(client);
    const idleStart = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const idle = [...workCommands(idleFrom, await commandCounts(client)).values()].reduce((a, b) => a + b, 0) / ((performance.now() - idleStart) / 1000);
    const launched: Launched[] = [];
    const work = await commandsDuring(client, idle, async () => {
      for (let i = 0; i < COUNTED_LAUNCHES; i++) launched.push(await launchOnce(t, i));
    });
    const byName = [...work].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${(n / COUNTED_LAUNCHES).toFixed(1)}`).join(', ');
    if (!pageViews) return { perLaunch: work.net / COUNTED_LAUNCHES, byName };
    const views = await commandsDuring(client, idle, async () => {
      for (const l of launched) await step(`${t.url}${l.landing ?? '/dashboard'}?ltik=${encodeURIComponent(l.ltik)}`, l.jar).then((r) => r.arrayBuffer());
    });
    return { perLaunch: work.net / COUNTED_LAUNCHES, byName, pageView: views.net / COUNTED_LAUNCHES };
  } finally {
    await client.close();
  }
}

async function withPdPathways<T>(db: BenchDb, name: string, workers: number, fn: (t: Target) => Promise<T>): Promise<T> {
  const tool = await startTool(db, name, { WEB_CONCURRENCY: String(workers) });
  try {
    return await fn({ url: tool.url, sim: tool.platform.sim });
  } finally {
    await tool.close();
  }
}

async function withBareLtijs<T>(db: BenchDb, fn: (t: Target) => Promise<T>): Promise<T> {
  const port = await freePort();
  const plat = await benchPlatform(port);
  const s = plat.sim;
  const { child } = await startChild('bench/children/bareLtijs.js', [`${db.uri}bench_bare`, String(port), s.issuer, CLIENT_ID, s.authUrl, s.tokenUrl, s.jwksUrl], {}, /^READY/);
  try {
    return await fn({ url: `http://127.0.0.1:${port}`, sim: s });
  } finally {
    await stop(child);
    await plat.close();
  }
}

function line(name: string, r: Result): string {
  return `  ${name.padEnd(24)} ${r.perSecond.toFixed(1).padStart(7)} launches/s   p50 ${r.p50.toFixed(1).padStart(7)} ms   p99 ${r.p99.toFixed(1).padStart(7)} ms   (${r.launches} launches, ${r.errors} errors)`;
}

/** Full OIDC launches through PD Pathways against a bare ltijs tool on the same database server, same run. */
export async function launchBench(db: BenchDb): Promise<void> {
  console.log(`\nlaunch: full OIDC launches, mixed roles; saturation with ${CONCURRENCY} concurrent browsers (${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured)`);
  const [bare, bareTrips] = await withBareLtijs(db, async (t) => [await saturate(t), await roundTrips(t, db)] as const);
  console.log(line('bare ltijs', bare));
  const [one, trips] = await withPdPathways(db, 'bench_launch1', 1, async (t) => [await saturate(t), await roundTrips(t, db, true)] as const);
  console.log(line('PD Pathways, 1 worker', one));
  const two = await withPdPathways(db, 'bench_launch2', 2, saturate);
  console.log(line('PD Pathways, 2 workers', two));
  console.log(`  2 workers / 1 worker: ${ratio(two.perSecond / one.perSecond)} (on ${os.cpus().length} cores shared with the load generator and the database)`);
  recordGoal({ benchmark: 'launch throughput at saturation (mixed roles)', baseline: `bare ltijs ${perSecond(bare.perSecond, 'launches')}`, measured: `${perSecond(one.perSecond, 'launches')} = ${ratio(one.perSecond / bare.perSecond)} (2 workers ${ratio(two.perSecond / bare.perSecond)})`, goal: '≥ 1.2×', met: one.perSecond / bare.perSecond >= 1.2 || two.perSecond / bare.perSecond >= 1.2 });

  console.log(`\nlaunch latency, open loop: ${OPEN_RATE} launches/s for ${OPEN_SECONDS} s, 1 worker`);
  const open = await withPdPathways(db, 'bench_open', 1, openLoop);
  console.log(line('PD Pathways, open loop', open));
  recordGoal({ benchmark: 'launch latency, open loop', baseline: '—', measured: `${OPEN_RATE}/s for ${OPEN_SECONDS} s: p50 ${ms(open.p50)}, p99 ${ms(open.p99)}, ${open.errors} errors`, goal: 'p99 < 150 ms, p50 < 40 ms', met: open.p99 < 150 && open.p50 < 40 && !open.errors });

  console.log(`\ndatabase commands per launch (${COUNTED_LAUNCHES} launches in a row, background jobs' idle rate subtracted)`);
  console.log(`  bare ltijs   ${bareTrips.perLaunch.toFixed(1)}: ${bareTrips.byName}`);
  const pageReads = Math.max(0, (trips.pageView ?? 0) - 3);
  const itself = trips.perLaunch - pageReads;
  console.log(`  PD Pathways  ${trips.perLaunch.toFixed(1)}: ${trips.byName}`);
  console.log(`    of which the landing page's own reads ${pageReads.toFixed(1)} (viewing it again with the ltik costs ${(trips.pageView ?? 0).toFixed(1)}: those plus ltijs's two session tokens and the user), the launch itself ${itself.toFixed(1)}`);
  recordGoal({ benchmark: 'database round trips per launch', baseline: `floor 1 write; bare ltijs ${bareTrips.perLaunch.toFixed(1)} (its page reads nothing)`, measured: `launch itself ${itself.toFixed(1)} + landing page ${pageReads.toFixed(1)} = ${trips.perLaunch.toFixed(1)}`, goal: '≤ 4', met: itself <= 4 });
}
