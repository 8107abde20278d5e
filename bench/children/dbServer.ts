import { startEmbeddedMongo } from '../../src/db/embedded';

/** Child process: the embedded database both tools under test share; prints its URI. */
startEmbeddedMongo().then((db) => {
  process.stdout.write(`READY ${db.uri}\n`);
  process.on('SIGTERM', () => void db.stop().then(() => process.exit(0)));
});
