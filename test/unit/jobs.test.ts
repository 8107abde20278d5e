import { acquireLease, releaseLease } from '../../src/jobs/lease';
import { addJob, runJobOnce } from '../../src/jobs/scheduler';
import { useTestDatabase } from '../support/db';

let db: { stop(): Promise<void> };
beforeAll(async () => {
  db = await useTestDatabase();
});
afterAll(() => db.stop());

test('a lease has one owner at a time, is renewable by its owner and taken over once expired', async () => {
  expect(await acquireLease('poller', 60_000, 'instance-a')).toBe(true);
  expect(await acquireLease('poller', 60_000, 'instance-b')).toBe(false);
  expect(await acquireLease('poller', 60_000, 'instance-a')).toBe(true);
  await releaseLease('poller', 'instance-a');
  expect(await acquireLease('poller', 1, 'instance-b')).toBe(true);
  await new Promise((r) => setTimeout(r, 20));
  expect(await acquireLease('poller', 60_000, 'instance-a')).toBe(true);
});

test('many concurrent claimants: exactly one wins', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => acquireLease('race', 60_000, `owner-${i}`)));
  expect(results.filter(Boolean)).toHaveLength(1);
});

test('a singleton job is skipped while another instance holds its lease, and a failing job does not throw', async () => {
  let runs = 0;
  const job = { name: 'count', everyMs: 1000, singleton: true, run: async () => void runs++ };
  addJob(job);
  expect(await acquireLease('job:count', 60_000, 'other-instance')).toBe(true);
  expect(await runJobOnce(job)).toBe('skipped');
  await releaseLease('job:count', 'other-instance');
  expect(await runJobOnce(job)).toBe('ran');
  expect(runs).toBe(1);
  expect(await runJobOnce({ name: 'boom', everyMs: 1000, singleton: false, run: async () => { throw new Error('x'); } })).toBe('failed');
});
