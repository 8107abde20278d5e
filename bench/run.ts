import { embeddedDbBench } from './embeddedDb';
import { launchBench } from './launch';
import { storageBench } from './storage';

/** `npm run bench`: every benchmark prints its own ratio against a baseline measured in this run. */
async function main(): Promise<void> {
  await embeddedDbBench();
  await storageBench();
  await launchBench();
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
