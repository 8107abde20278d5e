import cluster, { Worker } from 'node:cluster';
import { AppConfig } from './config';
import { Database, startDatabase } from './db/connection';
import { logger } from './log';

/**
 * `WEB_CONCURRENCY=N`: the primary process owns the database (the embedded server, or nothing to own with
 * MONGODB_URI) and runs N app workers that share the port (node's cluster hands connections round robin).
 * Workers ask for the database URI over the IPC channel, so its credential never sits in an environment.
 * Everything that must happen once across workers already happens once across instances: jobs take leases,
 * outbox messages and completion events are claimed with conditional updates, so a worker is just an instance.
 */

const RESTART_DELAY_MS = 1000;
const STOP_TIMEOUT_MS = 15_000;

type Message = { type: 'database?' } | { type: 'database'; uri: string };

/** In a worker: the database URI of the primary. */
export function databaseFromPrimary(): Promise<Database> {
  return new Promise((resolve) => {
    const onMessage = (m: Message) => {
      if (m?.type !== 'database') return;
      process.off('message', onMessage);
      resolve({ kind: 'external', uri: m.uri, stop: async () => undefined });
    };
    process.on('message', onMessage);
    process.send!({ type: 'database?' } satisfies Message);
  });
}

export function isWorker(): boolean {
  return cluster.isWorker;
}

function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => worker.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
    worker.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    worker.process.kill('SIGTERM');
  });
}

/** The primary: database, N workers (a worker that dies is replaced), SIGTERM drains the workers, then the database. */
export async function runPrimary(cfg: AppConfig): Promise<void> {
  const log = logger();
  const db = await startDatabase(cfg);
  let stopping = false;
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (m: Message) => {
      if (m?.type === 'database?') worker.send({ type: 'database', uri: db.uri } satisfies Message);
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'app worker exited; starting another');
    setTimeout(() => !stopping && fork(), RESTART_DELAY_MS).unref();
  });
  for (let i = 0; i < cfg.webConcurrency; i++) fork();
  log.info({ workers: cfg.webConcurrency, database: db.kind }, `PD Pathways primary: ${cfg.webConcurrency} app workers on port ${cfg.port}`);
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: stopping the app workers, then the database');
    await Promise.all(Object.values(cluster.workers ?? {}).map((w) => stopWorker(w!)));
    await db.stop();
    log.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
