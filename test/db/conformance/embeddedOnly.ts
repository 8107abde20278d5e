import { Expectations, rejection } from './context';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Server knobs that a real mongod only honours at startup or on a minutes scale. */
export const embeddedOnlyExpectations: Expectations = (s) => {
  describe('embedded server timers', () => {
    afterAll(async () => {
      await s().db.admin().command({ setParameter: 1, ttlMonitorSleepSecs: 1, cursorTimeoutMillis: 600000 });
    });

    it('removes documents whose TTL has passed', async () => {
      await s().db.admin().command({ setParameter: 1, ttlMonitorSleepSecs: 0.05 });
      const c = s().fresh();
      await c.createIndex({ at: 1 }, { expireAfterSeconds: 1 });
      const now = Date.now();
      await c.insertMany([{ _id: 'old', at: new Date(now - 5000) }, { _id: 'list', at: [new Date(now + 60000), new Date(now - 5000)] }, { _id: 'new', at: new Date(now + 60000) }, { _id: 'none', at: 'not a date' }]);
      for (let i = 0; i < 50 && (await c.countDocuments()) > 2; i++) await sleep(20);
      expect((await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['new', 'none']);
    });

    it('times out idle cursors', async () => {
      await s().db.admin().command({ setParameter: 1, cursorTimeoutMillis: 100 });
      const c = s().fresh();
      await c.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: i })));
      const reply = await s().db.command({ find: c.collectionName, batchSize: 1 });
      await sleep(250);
      expect((await rejection(s().db.command({ getMore: reply.cursor.id, collection: c.collectionName }))).code).toBe(43);
    });

    it('reports the index a query used through explain counters', async () => {
      const c = s().fresh();
      await c.insertMany(Array.from({ length: 100 }, (_, i) => ({ n: i })));
      await c.createIndex({ n: 1 });
      const plan = await c.find({ n: 42 }).explain('executionStats');
      expect(plan.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'n_1' });
    });
  });
};
