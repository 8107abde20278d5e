import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { AppConfig, config } from './config';
import { databaseFromPrimary, isWorker, runPrimary } from './cluster';
import { logger, printLine } from './log';
import { buildApp } from './app';
import { connectMongoose, startDatabase } from './db/connection';
import { createDemo } from './demo';
import { ensureRetention } from './audit/service';
import { startJobs, stopJobs } from './jobs/scheduler';
import { emailEnabled, verifySmtp } from './email/service';

/** Says at start-up whether email goes out, and why not when the SMTP server refuses us. */
async function reportEmail(captured: boolean): Promise<void> {
  const log = logger();
  if (captured) return log.info('email: no SMTP_HOST, so the demo captures every email (see /demo/mail)');
  if (!emailEnabled()) return log.info('email: off (set SMTP_HOST to send notices by email)');
  const problem = await verifySmtp();
  if (problem) log.error({ problem }, `email: ${problem}; emails wait in the outbox and are retried`);
  else log.info('email: SMTP server reached');
}

/** Process entry: WEB_CONCURRENCY > 1 starts the primary (src/cluster.ts), else this process is the app. */
async function main(): Promise<void> {
  const cfg = config();
  if (cfg.webConcurrency > 1 && !isWorker()) {
    if (!cfg.demo.enabled) return runPrimary(cfg);
    logger().warn({ webConcurrency: cfg.webConcurrency }, 'WEB_CONCURRENCY is ignored while the demo is on: its simulated LMSs keep their signing keys in one process');
  }
  await runApp(cfg);
}

/** config → database (the primary's, in a worker) → app → listen; SIGTERM stops accepting, drains, then closes the database. */
async function runApp(cfg: AppConfig): Promise<void> {
  const log = logger();
  const db = isWorker() ? await databaseFromPrimary() : await startDatabase(cfg);
  await connectMongoose(db.uri);
  await ensureRetention(cfg.audit.retentionDays);
  const demo = cfg.demo.enabled ? await createDemo(cfg) : undefined;
  const { app, lti } = await buildApp(cfg, db.uri, demo ? [demo.router] : []);
  const server = http.createServer(app);
  startJobs();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(cfg.port, resolve));
  const { port } = server.address() as AddressInfo;
  log.info({ port, url: cfg.publicUrl }, `PD Pathways listening on port ${port}, public URL ${cfg.publicUrl}`);
  void reportEmail(!!demo?.mail);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing requests');
    stopJobs();
    server.close();
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    force.unref();
    await new Promise<void>((resolve) => server.once('close', () => resolve()));
    await lti.close({ silent: true });
    await demo?.close();
    await mongoose.disconnect();
    await db.stop();
    log.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  if (demo) {
    // Seeding is idempotent, so a restart serves the already-registered demo while it runs; the last
    // start-up line, in plain text, is the one a newcomer needs.
    await demo.seed();
    printLine(`\nDemo ready: open ${cfg.publicUrl}/demo`);
  }
}

main().catch((err) => {
  logger().fatal({ err }, 'PD Pathways failed to start');
  process.exit(1);
});
