import { Expectations, rejection } from './context';

function explainStats(reply: Record<string, unknown>): { totalDocsExamined: number; nReturned: number } {
  return reply.executionStats as { totalDocsExamined: number; nReturned: number };
}

export const indexExpectations: Expectations = (s) => {
  describe('indexes', () => {
    it('lists the _id index and created indexes with their options', async () => {
      const c = s().fresh();
      await c.insertOne({ a: 1 });
      expect(await c.createIndex({ a: 1, b: -1 })).toBe('a_1_b_-1');
      await c.createIndex({ email: 1 }, { unique: true, sparse: true });
      await c.createIndex({ at: 1 }, { expireAfterSeconds: 3600 });
      await c.createIndex({ s: 1 }, { name: 'active_s', unique: true, partialFilterExpression: { active: true } });
      const list = await c.listIndexes().toArray();
      expect(list).toEqual([
        { v: 2, key: { _id: 1 }, name: '_id_' },
        { v: 2, key: { a: 1, b: -1 }, name: 'a_1_b_-1' },
        { v: 2, key: { email: 1 }, name: 'email_1', unique: true, sparse: true },
        { v: 2, key: { at: 1 }, name: 'at_1', expireAfterSeconds: 3600 },
        { v: 2, key: { s: 1 }, name: 'active_s', unique: true, partialFilterExpression: { active: true } },
      ]);
      await c.dropIndex('a_1_b_-1');
      expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'email_1', 'at_1', 'active_s']);
      expect((await rejection(c.dropIndex('nope'))).code).toBe(27);
    });

    it('is idempotent for an identical spec and rejects a conflicting one', async () => {
      const c = s().fresh();
      await c.createIndex({ a: 1 }, { unique: true });
      await c.createIndex({ a: 1 }, { unique: true });
      expect((await c.listIndexes().toArray()).length).toBe(2);
      const sameNameOtherOptions = await rejection(c.createIndex({ a: 1 }, { name: 'a_1', sparse: true }));
      expect(sameNameOtherOptions.code).toBe(85);
      const sameNameOtherKey = await rejection(c.createIndex({ b: 1 }, { name: 'a_1' }));
      expect(sameNameOtherKey.code).toBe(86);
    });

    it('enforces unique single, compound and missing-field keys', async () => {
      const c = s().fresh();
      await c.createIndex({ tenant: 1, sub: 1 }, { unique: true });
      await c.insertOne({ tenant: 't1', sub: 'u1' });
      await c.insertOne({ tenant: 't2', sub: 'u1' });
      const err = await rejection(c.insertOne({ tenant: 't1', sub: 'u1' }));
      expect(err).toMatchObject({ code: 11000, keyPattern: { tenant: 1, sub: 1 }, keyValue: { tenant: 't1', sub: 'u1' } });
      expect(err.message).toBe(`E11000 duplicate key error collection: ${s().db.databaseName}.${c.collectionName} index: tenant_1_sub_1 dup key: { tenant: "t1", sub: "u1" }`);
      await c.insertOne({ tenant: 't3' });
      const missing = await rejection(c.insertOne({ tenant: 't3' }));
      expect(missing).toMatchObject({ code: 11000, keyValue: { tenant: 't3', sub: null } });
    });

    it('lets sparse and partial unique indexes skip documents', async () => {
      const c = s().fresh();
      await c.createIndex({ email: 1 }, { unique: true, sparse: true });
      await c.createIndex({ slug: 1 }, { unique: true, partialFilterExpression: { active: true } });
      await c.insertMany([{ n: 1 }, { n: 2 }]);
      await c.insertMany([{ email: 'a@x' }, { slug: 's', active: false }, { slug: 's', active: false }, { slug: 's', active: true }]);
      expect((await rejection(c.insertOne({ email: 'a@x' }))).code).toBe(11000);
      expect((await rejection(c.insertOne({ slug: 's', active: true }))).code).toBe(11000);
    });

    it('indexes array elements (multikey) and keeps them unique across documents', async () => {
      const c = s().fresh();
      await c.createIndex({ tags: 1 }, { unique: true });
      await c.insertOne({ tags: ['a', 'b', 'b'] });
      const err = await rejection(c.insertOne({ tags: ['c', 'b'] }));
      expect(err).toMatchObject({ code: 11000, keyValue: { tags: 'b' } });
      await c.insertOne({ tags: ['c'] });
      expect((await c.find({ tags: 'c' }).toArray()).length).toBe(1);
    });

    it('refuses to build a unique index over existing duplicates', async () => {
      const c = s().fresh();
      await c.insertMany([{ a: 1 }, { a: 1 }]);
      const err = await rejection(c.createIndex({ a: 1 }, { unique: true }));
      expect(err.code).toBe(11000);
      expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
    });

    it('uses indexes for equality, $in and ranges instead of scanning', async () => {
      const c = s().fresh();
      await c.insertMany(Array.from({ length: 10000 }, (_, i) => ({ _id: i, k: `key${i}`, n: i, g: i % 100 })));
      await c.createIndex({ k: 1 });
      await c.createIndex({ g: 1, n: -1 });
      const eq = await c.find({ k: 'key4242' }).explain('executionStats');
      expect(explainStats(eq)).toMatchObject({ nReturned: 1, totalDocsExamined: 1 });
      const inq = await c.find({ k: { $in: ['key1', 'key2', 'nope'] } }).explain('executionStats');
      expect(explainStats(inq)).toMatchObject({ nReturned: 2, totalDocsExamined: 2 });
      const compound = await c.find({ g: 7, n: { $gte: 9000 } }).explain('executionStats');
      expect(explainStats(compound)).toMatchObject({ nReturned: 10, totalDocsExamined: 10 });
      const byId = await c.find({ _id: { $gt: 9990 } }).explain('executionStats');
      expect(explainStats(byId)).toMatchObject({ nReturned: 9, totalDocsExamined: 9 });
      const scan = await c.find({ n: 5 }).explain('executionStats');
      expect(explainStats(scan).totalDocsExamined).toBe(10000);
      const agg = (await c.aggregate([{ $match: { k: 'key7' } }, { $count: 'n' }]).explain('executionStats')) as Record<string, unknown>;
      expect(JSON.stringify(agg)).toMatch(/IXSCAN/);
    });
  });
};
