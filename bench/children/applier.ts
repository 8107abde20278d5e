import mongoose from 'mongoose';
import * as completions from '../../src/completions/service';
import { connectMongoose } from '../../src/db/connection';
import { registerAllReactions } from '../../src/reactions';

/**
 * Child process: one instance's completion processor and nothing else (no HTTP, no jobs on a timer). Once
 * connected it applies everything pending as the processor job does, run after run until a run finds
 * nothing, and prints "APPLIED <events> <seconds>" (timed from the first run, connecting excluded).
 */
async function main(uri: string): Promise<void> {
  registerAllReactions();
  await connectMongoose(uri);
  const started = performance.now();
  let processed = 0;
  for (let n = await completions.processPending(); n > 0; n = await completions.processPending()) processed += n;
  await completions.settled();
  process.stdout.write(`APPLIED ${processed} ${(performance.now() - started) / 1000}\n`);
  await mongoose.disconnect();
  process.exit(0);
}

main(process.argv[2]!).catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
