import fs from 'node:fs';
import { startEmbeddedMongo } from '../../src/db/embedded';

/** BENCH_SLOW_LOG=<file>: the database's slow commands (over BENCH_SLOW_MS, default 100 ms) are appended there, one JSON line each. */
const slowLog = process.env.BENCH_SLOW_LOG;
const write = (level: string) => (o: object, msg?: string) => slowLog && fs.appendFileSync(slowLog, `${JSON.stringify({ level, msg, ...o })}\n`);

/** Child process: the embedded database both tools under test share; prints its URI. */
startEmbeddedMongo({ logger: { info: () => undefined, warn: write('warn') }, limits: { slowMs: Number(process.env.BENCH_SLOW_MS ?? 100) } }).then((db) => {
  process.stdout.write(`READY ${db.uri}\n`);
  process.on('SIGTERM', () => void db.stop().then(() => process.exit(0)));
});
