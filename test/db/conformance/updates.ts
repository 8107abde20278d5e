import { Expectations, rejection, untyped } from './context';

export const updateExpectations: Expectations = (s) => {
  describe('updates', () => {
    it('applies field operators', async () => {
      const c = s().fresh();
      await c.insertOne({ _id: 1, a: 1, b: 5, c: 5, old: 'x', gone: true, nested: { x: 1 } });
      await c.updateOne(
        { _id: 1 },
        { $inc: { a: 2, 'nested.x': 1 }, $min: { b: 3 }, $max: { c: 9 }, $rename: { old: 'renamed' }, $unset: { gone: '' }, $set: { 'nested.y': 2 }, $mul: { z: 2 } },
      );
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 3, b: 3, c: 9, nested: { x: 2, y: 2 }, renamed: 'x', z: 0 });
      await c.updateOne({ _id: 1 }, { $currentDate: { at: true } });
      expect((await c.findOne({ _id: 1 }))!.at).toBeInstanceOf(Date);
    });

    it('applies array operators', async () => {
      const c = s().fresh();
      await c.insertOne({ _id: 1, xs: [3, 1], set: ['a'], pulls: [1, 2, 3, 2], scores: [{ s: 5 }, { s: 9 }] });
      const arrayOps = untyped({
        $push: { xs: { $each: [5, 2, 4], $sort: -1, $slice: 3 }, scores: { $each: [{ s: 7 }], $sort: { s: 1 } } },
        $addToSet: { set: { $each: ['a', 'b'] } },
        $pull: { pulls: 2 },
      });
      await c.updateOne({ _id: 1 }, arrayOps);
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, xs: [5, 4, 3], set: ['a', 'b'], pulls: [1, 3], scores: [{ s: 5 }, { s: 7 }, { s: 9 }] });
      await c.updateOne({ _id: 1 }, untyped({ $pull: { scores: { s: { $gte: 7 } } }, $pop: { xs: -1 } }));
      expect(await c.findOne({ _id: 1 }, { projection: { scores: 1, xs: 1 } })).toEqual({ _id: 1, xs: [4, 3], scores: [{ s: 5 }] });
    });

    it('supports positional $, $[] and $[identifier] with arrayFilters', async () => {
      const c = s().fresh();
      await c.insertOne({ _id: 1, items: [{ id: 'a', n: 1, st: 'open' }, { id: 'b', n: 2, st: 'open' }, { id: 'c', n: 3, st: 'done' }] });
      await c.updateOne({ _id: 1, 'items.id': 'b' }, { $set: { 'items.$.n': 20 } });
      await c.updateOne({ _id: 1 }, { $inc: { 'items.$[].n': 1 } });
      await c.updateOne({ _id: 1 }, { $set: { 'items.$[it].st': 'closed' } }, { arrayFilters: [{ 'it.st': 'open' }] });
      expect((await c.findOne({ _id: 1 }))!.items).toEqual([
        { id: 'a', n: 2, st: 'closed' },
        { id: 'b', n: 21, st: 'closed' },
        { id: 'c', n: 4, st: 'done' },
      ]);
    });

    it('upserts from the filter equalities and reports the upserted id', async () => {
      const c = s().fresh();
      const r = await c.updateOne({ tenant: 't', 'key.a': 1, n: { $gt: 5 } }, { $set: { v: 1 }, $setOnInsert: { created: 'now' } }, { upsert: true });
      expect(r.upsertedCount).toBe(1);
      const doc = await c.findOne({ _id: r.upsertedId! });
      expect(doc).toEqual({ _id: r.upsertedId, tenant: 't', key: { a: 1 }, v: 1, created: 'now' });
      const again = await c.updateOne({ tenant: 't' }, { $set: { v: 2 }, $setOnInsert: { created: 'later' } }, { upsert: true });
      expect(again).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
      expect(await c.findOne({}, { projection: { _id: 0, created: 1, v: 1 } })).toEqual({ v: 2, created: 'now' });
      const withId = await c.updateOne({ _id: 'fixed' }, { $set: { v: 3 } }, { upsert: true });
      expect(withId.upsertedId).toBe('fixed');
    });

    it('counts matched versus modified documents', async () => {
      const c = s().fresh();
      await c.insertMany([{ g: 1, v: 1 }, { g: 1, v: 2 }, { g: 2, v: 1 }]);
      expect(await c.updateMany({ g: 1 }, { $set: { v: 1 } })).toMatchObject({ matchedCount: 2, modifiedCount: 1 });
      expect(await c.updateMany({ g: 3 }, { $set: { v: 1 } })).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
    });

    it('keeps _id on replacement and refuses to change it', async () => {
      const c = s().fresh();
      await c.insertOne({ _id: 1, a: 1 });
      await c.replaceOne({ _id: 1 }, { b: 2 });
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, b: 2 });
      expect(await rejection(c.updateOne({ _id: 1 }, { $set: { _id: 2 } }))).toMatchObject({ code: 66 });
      expect((await rejection(c.replaceOne({ _id: 1 }, { _id: 3, b: 2 }))).code).toBe(66);
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, b: 2 });
    });

    it('supports aggregation-pipeline updates', async () => {
      const c = s().fresh();
      await c.insertOne({ _id: 1, a: 2, b: 3 });
      await c.updateOne({ _id: 1 }, [{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'a' }]);
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, b: 3, sum: 5 });
    });

    it('rejects type-mismatched operators without changing the document', async () => {
      const c = s().fresh();
      await c.insertOne({ _id: 1, s: 'text', n: 1 });
      expect((await rejection(c.updateOne({ _id: 1 }, { $inc: { s: 1, n: 1 } }))).code).toBe(14);
      expect((await rejection(c.updateOne({ _id: 1 }, untyped({ $push: { s: 1 } })))).code).toBe(2);
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, s: 'text', n: 1 });
    });

    it('enforces unique indexes on update, upsert and findAndModify without partial writes', async () => {
      const c = s().fresh();
      await c.createIndex({ email: 1 }, { unique: true });
      await c.insertMany([{ _id: 1, email: 'a', n: 0 }, { _id: 2, email: 'b', n: 0 }]);
      const upd = await rejection(c.updateOne({ _id: 2 }, { $set: { email: 'a', n: 1 } }));
      expect(upd).toMatchObject({ code: 11000, keyValue: { email: 'a' } });
      expect(await c.findOne({ _id: 2 })).toEqual({ _id: 2, email: 'b', n: 0 });
      expect((await rejection(c.updateOne({ email: 'zz' }, { $set: { n: 1 }, $setOnInsert: { email: 'a' } }, { upsert: true }))).code).toBe(11000);
      const fam = await rejection(c.findOneAndUpdate({ _id: 2 }, { $set: { email: 'a' } }));
      expect(fam).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a' } });
      expect(await c.countDocuments()).toBe(2);
      expect(await c.findOne({ _id: 2 })).toEqual({ _id: 2, email: 'b', n: 0 });
    });
  });
};
