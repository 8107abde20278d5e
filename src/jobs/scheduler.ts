import { logger } from '../log';
import { acquireLease, releaseLease } from './lease';

export interface Job {
  name: string;
  everyMs: number;
  /** Spread of each wait, as a fraction of everyMs, so instances do not all wake together. */
  jitter?: number;
  /** Singleton jobs (pollers) run in one instance at a time; the outbox worker leases per message instead. */
  singleton: boolean;
  run(): Promise<void>;
}

const jobs: Job[] = [];
const timers = new Map<string, NodeJS.Timeout>();
let running = false;

/** Features register their background work here; `startJobs` runs it on a schedule. */
export function addJob(job: Job): void {
  if (jobs.some((j) => j.name === job.name)) throw new Error(`job ${job.name} registered twice`);
  jobs.push(job);
}

/** The registered jobs (docs/ARCHITECTURE.md lists them; a test checks it). */
export function registeredJobs(): readonly Job[] {
  return jobs;
}

function delay(job: Job): number {
  const spread = job.everyMs * (job.jitter ?? 0.2);
  return Math.max(50, job.everyMs + (Math.random() * 2 - 1) * spread);
}

/** One run of a job, under its lease when it is a singleton; never throws. */
export async function runJobOnce(job: Job): Promise<'ran' | 'skipped' | 'failed'> {
  const lease = `job:${job.name}`;
  if (job.singleton && !(await acquireLease(lease, Math.max(job.everyMs * 2, 30_000)))) return 'skipped';
  try {
    await job.run();
    return 'ran';
  } catch (err) {
    logger().error({ err, job: job.name }, 'background job failed');
    return 'failed';
  } finally {
    if (job.singleton) await releaseLease(lease).catch(() => undefined);
  }
}

function schedule(job: Job): void {
  const timer = setTimeout(async () => {
    await runJobOnce(job);
    if (running) schedule(job);
  }, delay(job));
  timer.unref();
  timers.set(job.name, timer);
}

export function startJobs(): void {
  running = true;
  jobs.forEach(schedule);
  logger().info({ jobs: jobs.map((j) => j.name) }, 'background jobs started');
}

export function stopJobs(): void {
  running = false;
  for (const timer of timers.values()) clearTimeout(timer);
  timers.clear();
}
