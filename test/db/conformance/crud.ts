import { Long } from 'bson';
import { Expectations, rejection } from './context';

export const crudExpectations: Expectations = (s) => {
  describe('find', () => {
    it('filters, sorts, projects, skips and limits', async () => {
      const c = s().fresh();
      await c.insertMany([
        { _id: 1, name: 'a', age: 30, tags: ['x', 'y'], addr: { city: 'Oslo' } },
        { _id: 2, name: 'b', age: 20, tags: ['y'], addr: { city: 'Rome' } },
        { _id: 3, name: 'c', age: 40, tags: [], addr: { city: 'Oslo' } },
        { _id: 4, name: 'd' },
      ]);
      expect(await c.find({ age: { $gte: 30 } }).sort({ age: -1 }).toArray()).toEqual([
        { _id: 3, name: 'c', age: 40, tags: [], addr: { city: 'Oslo' } },
        { _id: 1, name: 'a', age: 30, tags: ['x', 'y'], addr: { city: 'Oslo' } },
      ]);
      expect(await c.find({ tags: 'y' }, { projection: { name: 1, _id: 0 } }).sort({ name: 1 }).toArray()).toEqual([{ name: 'a' }, { name: 'b' }]);
      expect(await c.find({ 'addr.city': 'Oslo' }, { projection: { addr: 0, tags: 0 } }).sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, name: 'a', age: 30 },
        { _id: 3, name: 'c', age: 40 },
      ]);
      expect(Object.keys((await c.findOne({ _id: 1 }, { projection: { age: 1, name: 1 } }))!)).toEqual(['_id', 'name', 'age']);
      expect((await c.find({}).sort({ _id: 1 }).skip(1).limit(2).toArray()).map((d) => d._id)).toEqual([2, 3]);
      expect((await c.find({ age: { $exists: false } }).toArray()).map((d) => d._id)).toEqual([4]);
      expect((await c.find({ $or: [{ name: 'a' }, { age: 20 }] }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2]);
      expect((await c.find({ name: { $in: ['b', 'd'] } }).sort({ _id: -1 }).toArray()).map((d) => d._id)).toEqual([4, 2]);
      expect((await c.find({ name: /^[ab]$/ }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2]);
      expect((await c.find({ tags: { $size: 0 } }).toArray()).map((d) => d._id)).toEqual([3]);
      expect(await c.countDocuments({ 'addr.city': 'Oslo' })).toBe(2);
      expect(await c.estimatedDocumentCount()).toBe(4);
      expect((await c.distinct('tags')).sort()).toEqual(['x', 'y']);
      expect((await c.distinct('addr.city', { age: { $lt: 35 } })).sort()).toEqual(['Oslo', 'Rome']);
    });

    it('sorts missing and null before values, and arrays by their extreme element', async () => {
      const c = s().fresh();
      await c.insertMany([{ _id: 1, v: 5 }, { _id: 2 }, { _id: 3, v: [1, 9] }, { _id: 4, v: null }, { _id: 5, v: 'str' }]);
      const asc = (await c.find().sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id);
      expect(asc).toEqual([2, 4, 3, 1, 5]);
      const desc = (await c.find().sort({ v: -1, _id: 1 }).toArray()).map((d) => d._id);
      expect(desc).toEqual([5, 3, 1, 2, 4]);
    });

    it('hands out results in batches through getMore and closes exhausted cursors', async () => {
      const c = s().fresh();
      await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i })));
      const reply = await s().db.command({ find: c.collectionName, filter: {}, batchSize: 100, sort: { _id: 1 } });
      expect(reply.cursor.firstBatch).toHaveLength(100);
      expect(reply.cursor.id).not.toEqual(Long.ZERO);
      const more = await s().db.command({ getMore: reply.cursor.id, collection: c.collectionName, batchSize: 100 });
      expect(more.cursor.nextBatch.map((d: { _id: number }) => d._id)[0]).toBe(100);
      const last = await s().db.command({ getMore: reply.cursor.id, collection: c.collectionName });
      expect(last.cursor.nextBatch).toHaveLength(50);
      expect(Long.fromValue(last.cursor.id).isZero()).toBe(true);
      const err = await rejection(s().db.command({ getMore: reply.cursor.id, collection: c.collectionName }));
      expect(err.code).toBe(43);
      expect(err.codeName).toBe('CursorNotFound');
      // the default first batch is 101 documents; a driver cursor drains the rest transparently
      expect(await c.find({}).toArray()).toHaveLength(250);
      const single = await s().db.command({ find: c.collectionName, filter: {}, batchSize: 5, singleBatch: true });
      expect(single.cursor.firstBatch).toHaveLength(5);
      expect(Long.fromValue(single.cursor.id).isZero()).toBe(true);
    });

    it('kills cursors', async () => {
      const c = s().fresh();
      await c.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i })));
      const reply = await s().db.command({ find: c.collectionName, batchSize: 2 });
      const killed = await s().db.command({ killCursors: c.collectionName, cursors: [reply.cursor.id] });
      expect(killed.cursorsKilled).toEqual([reply.cursor.id]);
      const err = await rejection(s().db.command({ getMore: reply.cursor.id, collection: c.collectionName }));
      expect(err.code).toBe(43);
    });
  });

  describe('writes', () => {
    it('generates an ObjectId _id, stored first', async () => {
      const c = s().fresh();
      const { insertedId } = await c.insertOne({ a: 1 });
      const raw = await s().db.command({ find: c.collectionName, filter: {} });
      expect(Object.keys(raw.cursor.firstBatch[0])).toEqual(['_id', 'a']);
      expect(raw.cursor.firstBatch[0]._id.toHexString()).toBe(insertedId.toHexString());
    });

    it('stops ordered inserts at the first error and continues unordered ones', async () => {
      const c = s().fresh();
      await c.insertOne({ _id: 2 });
      const ordered = await rejection(c.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }, { _id: 2 }]));
      expect(ordered.code).toBe(11000);
      expect(await c.countDocuments()).toBe(2);
      const unordered = await rejection(c.insertMany([{ _id: 4 }, { _id: 2 }, { _id: 5 }, { _id: 1 }], { ordered: false }));
      const writeErrors = (unordered as unknown as { writeErrors: { index: number; code: number }[] }).writeErrors;
      expect(writeErrors.map((e) => [e.index, e.code])).toEqual([
        [1, 11000],
        [3, 11000],
      ]);
      expect((await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2, 4, 5]);
    });

    it('deletes one or many', async () => {
      const c = s().fresh();
      await c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
      expect((await c.deleteOne({ k: 1 })).deletedCount).toBe(1);
      expect((await c.deleteMany({})).deletedCount).toBe(2);
      expect((await c.deleteMany({ k: 3 })).deletedCount).toBe(0);
    });

    it('findOneAndUpdate / findOneAndDelete / findOneAndReplace follow sort, projection and returnDocument', async () => {
      const c = s().fresh();
      await c.insertMany([{ _id: 1, q: 'a', n: 1 }, { _id: 2, q: 'a', n: 2 }]);
      const before = await c.findOneAndUpdate({ q: 'a' }, { $inc: { n: 10 } }, { sort: { n: -1 }, returnDocument: 'before' });
      expect(before).toEqual({ _id: 2, q: 'a', n: 2 });
      const after = await c.findOneAndUpdate({ q: 'a' }, { $set: { z: true } }, { sort: { n: 1 }, returnDocument: 'after', projection: { _id: 0, z: 1 } });
      expect(after).toEqual({ z: true });
      const upserted = await c.findOneAndUpdate({ q: 'new' }, { $set: { n: 0 }, $setOnInsert: { created: true } }, { upsert: true, returnDocument: 'after' });
      expect(upserted).toMatchObject({ q: 'new', n: 0, created: true });
      expect(await c.findOneAndUpdate({ q: 'none' }, { $set: { n: 0 } })).toBeNull();
      const replaced = await c.findOneAndReplace({ _id: 1 }, { q: 'r' }, { returnDocument: 'after' });
      expect(replaced).toEqual({ _id: 1, q: 'r' });
      expect(await c.findOneAndDelete({ _id: 1 })).toEqual({ _id: 1, q: 'r' });
      expect(await c.countDocuments()).toBe(2);
    });
  });

  describe('errors', () => {
    it('rejects unknown commands with CommandNotFound', async () => {
      const err = await rejection(s().db.command({ frobnicate: 1 }));
      expect(err).toMatchObject({ code: 59, codeName: 'CommandNotFound', errmsg: "no such command: 'frobnicate'" });
    });

    it('rejects unknown query operators with BadValue', async () => {
      const c = s().fresh();
      await c.insertOne({ a: 1 });
      expect(await rejection(c.find({ a: { $frob: 1 } }).toArray())).toMatchObject({ code: 2, errmsg: 'unknown operator: $frob' });
      expect(await rejection(c.find({ $frob: 1 }).toArray())).toMatchObject({ code: 2 });
    });

    it('rejects unknown update operators with FailedToParse', async () => {
      const c = s().fresh();
      await c.insertOne({ a: 1 });
      const err = await rejection(c.updateOne({}, { $frob: { a: 1 } } as never));
      expect(err.code).toBe(9);
      expect(await c.findOne({}, { projection: { _id: 0 } })).toEqual({ a: 1 });
    });

    it('refuses transactions like a standalone server', async () => {
      const c = s().fresh();
      await c.insertOne({ a: 1 });
      const session = s().conn.getClient().startSession();
      try {
        const err = await rejection(
          session.withTransaction(async () => {
            await c.insertOne({ a: 2 }, { session });
          }),
        );
        expect(err).toMatchObject({ code: 20, codeName: 'IllegalOperation' });
        expect(String(err.message)).toMatch(/Transaction numbers are only allowed on a replica set member or mongos/);
      } finally {
        await session.endSession();
      }
    });

    it('accepts explicit sessions outside transactions', async () => {
      const c = s().fresh();
      const session = s().conn.getClient().startSession();
      try {
        await c.insertOne({ a: 1 }, { session });
        expect(await c.countDocuments({}, { session })).toBe(1);
      } finally {
        await session.endSession();
      }
    });
  });
};
