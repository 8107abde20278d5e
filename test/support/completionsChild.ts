// An app instance in its own process, on a database the test owns (run with -r test/support/swc-register.js):
//   app    — the whole HTTP app; prints "LISTENING <url>" (the test kills it with SIGKILL mid-ingest)
//   worker — prints "READY", waits for "go" on stdin, runs the completion processor until nothing is
//            pending, prints "PROCESSED <n>" and exits
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { buildApp } from '../../src/app';
import { config, overrideConfig } from '../../src/config';
import { connectMongoose } from '../../src/db/connection';
import * as completions from '../../src/completions/service';
import { registerAllReactions } from '../../src/reactions';

async function app(uri: string): Promise<void> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  overrideConfig({ publicUrl: url });
  await connectMongoose(uri);
  const built = await buildApp(config(), uri);
  server.on('request', built.app);
  process.stdout.write(`LISTENING ${url}\n`);
}

async function worker(uri: string): Promise<void> {
  registerAllReactions();
  await connectMongoose(uri);
  process.stdout.write('READY\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  let processed = 0;
  for (;;) {
    const n = await completions.processPending({ limit: 1000 });
    processed += n;
    if (n === 0) break;
  }
  await completions.settled();
  process.stdout.write(`PROCESSED ${processed}\n`);
  await mongoose.disconnect();
  process.exit(0);
}

const [mode, uri] = process.argv.slice(2);
(mode === 'app' ? app : worker)(uri!).catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
