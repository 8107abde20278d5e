import './env';
import { completionsBench } from './completions';
import { embeddedDbBench } from './embeddedDb';
import { printGoals } from './goals';
import { launchBench } from './launch';
import { scaleBench } from './scale';
import { startDb } from './stack';
import { storageBench } from './storage';

type Section = 'embedded' | 'storage' | 'launch' | 'completions' | 'scale';
/** Every row of issue 14's goals table, printed even when its section did not run. */
const GOALS = [
  'launch throughput at saturation (mixed roles)',
  'launch latency, open loop',
  'webhook completion ingest (HMAC, acknowledged = durable)',
  'completion apply (ledger → goal progress → score/badge queued)',
  'PD-staff console and each report at scale',
  'teacher home and plan page at scale',
  'memory of the app + embedded DB at scale',
  'database round trips per launch',
];

/** A section that fails prints why; the table still prints, its rows "not measured". */
async function section(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    console.error(`  ${name} bench failed: ${(err as Error).message.slice(0, 500)}`);
  }
}

/**
 * `npm run bench`: every benchmark prints its figures against a baseline measured in this run, then the
 * goals table. BENCH_ONLY=launch,scale runs some sections. The machine may be shared: read the ratios.
 */
async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',') as Section[] | undefined;
  const runs = (s: Section) => !only || only.includes(s);
  if (runs('embedded')) await embeddedDbBench();
  if (runs('storage')) await storageBench();
  if (runs('launch') || runs('completions')) {
    const db = await startDb();
    try {
      if (runs('launch')) await section('launch', () => launchBench(db));
      if (runs('completions')) await section('completions', () => completionsBench(db));
    } finally {
      await db.stop();
    }
  }
  if (runs('scale')) await section('scale', scaleBench);
  printGoals(GOALS);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
