import { embeddedDbBench } from './embeddedDb';
import { launchBench } from './launch';

/** `npm run bench`: every benchmark prints its own ratio against a baseline measured in this run. */
async function main(): Promise<void> {
  await embeddedDbBench();
  await launchBench();
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
