import { Collection, Db, MongoClient, MongoServerError } from 'mongodb';
import { AnyDoc } from './conformance/context';
import { DbServer, dbTargets } from './targets';

// One test per disagreement the model-based suite (modelBased.test.ts) found in the embedded server.
const untyped = (v: unknown): never => v as never;

async function failure(p: Promise<unknown>): Promise<MongoServerError> {
  try {
    await p;
  } catch (err) {
    return err as MongoServerError;
  }
  throw new Error('expected the command to fail');
}

describe.each(dbTargets())('bugs the model-based suite found: $name', (target) => {
  let server: DbServer;
  let client: MongoClient;
  let db: Db;
  let n = 0;
  const fresh = async (docs: AnyDoc[]): Promise<Collection<AnyDoc>> => {
    const c = db.collection<AnyDoc>(`r${++n}`);
    await c.insertMany(docs);
    return c;
  };

  beforeAll(async () => {
    server = await target.start();
    client = await MongoClient.connect(server.uri, { serverSelectionTimeoutMS: 5000 });
    db = client.db(`regress_${process.pid}_${Date.now()}`);
  });
  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
    await server?.stop();
  });

  it('$unset of two fields under goals.$[] in one update is not a path conflict', async () => {
    const c = await fresh([{ _id: 1, goals: [{ title: 'a', reflections: ['r'], feedback: ['f'] }, { title: 'b', feedback: [] }] }]);
    const r = await c.updateOne({ _id: 1 }, { $unset: { 'goals.$[].reflections': '', 'goals.$[].feedback': '' } });
    expect(r.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, goals: [{ title: 'a' }, { title: 'b' }] });
    // a real conflict is still refused
    expect((await failure(c.updateOne({ _id: 1 }, { $set: { goals: [] }, $unset: { 'goals.$[].title': '' } }))).code).toBe(40);
  });

  it('$count of no documents gives no document, alone after $match or after other stages; countDocuments says 0', async () => {
    const c = await fresh([{ _id: 1, status: 'done', goals: [] }]);
    await c.createIndex({ status: 1 });
    expect(await c.aggregate([{ $match: { status: 'open' } }, { $count: 'total' }]).toArray()).toEqual([]);
    expect(await c.aggregate([{ $match: { status: 'done' } }, { $unwind: '$goals' }, { $count: 'total' }]).toArray()).toEqual([]);
    expect(await c.aggregate([{ $match: { status: 'done' } }, { $count: 'total' }]).toArray()).toEqual([{ total: 1 }]);
    expect(await c.countDocuments({ status: 'open' })).toBe(0);
    expect(await c.countDocuments({ status: { $in: ['done', 'open'] } })).toBe(1);
  });

  it('$addToSet keeps duplicates the array already held', async () => {
    const c = await fresh([{ _id: 1, tags: ['x', 'x'] }]);
    const r = await c.updateOne({ _id: 1 }, { $addToSet: { tags: { $each: ['x', 'y', 'y'] } } });
    expect(r.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, tags: ['x', 'x', 'y'] });
    expect((await c.updateOne({ _id: 1 }, { $addToSet: { tags: 'x' } })).modifiedCount).toBe(0);
  });

  it('a positional projection returns the element the query matched', async () => {
    const c = await fresh([{ _id: 1, goals: [{ title: 'a', score: 0 }, { title: 'b', score: 3 }] }]);
    expect(await c.find({ goals: { $elemMatch: { score: { $gte: 2 } } } }, { projection: { 'goals.$': 1 } }).toArray()).toEqual([{ _id: 1, goals: [{ title: 'b', score: 3 }] }]);
  });

  it('an aggregation $sort orders arrays by their smallest (ascending) or largest (descending) element', async () => {
    const c = await fresh([{ _id: 1, tags: ['x', 'z'] }, { _id: 2, tags: ['y'] }]);
    expect((await c.aggregate([{ $sort: { tags: -1 } }]).toArray()).map((d) => d._id)).toEqual([1, 2]);
    expect((await c.aggregate([{ $sort: { tags: 1 } }]).toArray()).map((d) => d._id)).toEqual([1, 2]);
    expect((await c.aggregate([{ $facet: { top: [{ $sort: { tags: -1 } }, { $limit: 1 }] } }]).toArray())[0].top[0]._id).toBe(1);
  });

  it('an empty array sorts before a missing field, ascending and descending', async () => {
    const c = await fresh([{ _id: 1 }, { _id: 2, a: [] }, { _id: 3, a: 1 }]);
    expect((await c.find().sort({ a: 1 }).toArray()).map((d) => d._id)).toEqual([2, 1, 3]);
    expect((await c.find().sort({ a: -1 }).toArray()).map((d) => d._id)).toEqual([3, 1, 2]);
  });

  it('an upserting update pipeline that creates a sub-document succeeds', async () => {
    const c = await fresh([{ _id: 9 }]);
    const r = await c.updateOne({ _id: 1 }, [{ $set: { 'owner.level': 2 } }, { $unset: ['tags', 'owner.level'] }], { upsert: true });
    expect(r.upsertedId).toBe(1);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, owner: {} });
  });

  it('$set through a null field is refused (PathNotViable) and changes nothing', async () => {
    const c = await fresh([{ _id: 1, owner: null, goals: [{ title: 'a' }] }]);
    expect((await failure(c.updateOne({ _id: 1 }, { $set: { 'owner.level': 1 } }))).code).toBe(28);
    expect((await failure(c.updateOne({ _id: 1 }, { $set: { 'goals.title': 'b' } }))).code).toBe(28);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, owner: null, goals: [{ title: 'a' }] });
    // renaming a field that is not there is a no-op, even into a path that could not be created
    expect((await c.updateOne({ _id: 1 }, { $rename: { 'owner.name': 'owner.nick' } })).modifiedCount).toBe(0);
  });

  it('$[] needs an array: on a missing field the update is refused', async () => {
    const c = await fresh([{ _id: 1 }]);
    expect((await failure(c.updateOne({ _id: 1 }, untyped({ $inc: { 'goals.$[].score': 1 } })))).code).toBe(2);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1 });
  });

  it('the positional $ takes the first element matched by the query, with other conditions beside it', async () => {
    const c = await fresh([{ _id: 1, status: 'a', goals: [{ t: 'x', s: 1 }, { t: 'y', s: 5 }] }]);
    await c.updateOne({ _id: 1, status: 'a', 'goals.s': { $gte: 2 } }, untyped({ $set: { 'goals.$.t': 'z' }, $inc: { 'goals.$.s': -5 } }));
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, status: 'a', goals: [{ t: 'x', s: 1 }, { t: 'z', s: 0 }] });
  });

  it('a document failing two ways reports the first path in path order (seed -1142296667)', async () => {
    const c = await fresh([{ _id: 1, owner: null }]);
    const update = untyped({ $set: { 'tags.$[t]': 'w', 'owner.level': 1 } });
    expect((await failure(c.updateMany({}, update, { arrayFilters: [{ t: 'x' }] }))).code).toBe(28);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, owner: null });
  });

  it('$in through two nested arrays matches any element of the outer array, with and without an index', async () => {
    const c = await fresh([{ _id: 1, goals: [{ acts: [{ id: 'a' }] }, { acts: [{ id: 'b' }, { id: 'c' }] }] }, { _id: 2, goals: [{ acts: [{ id: 'z' }] }] }]);
    const ids = async (f: AnyDoc) => (await c.find(f).toArray()).map((d) => d._id);
    for (const pass of ['scan', 'index']) {
      if (pass === 'index') await c.createIndex({ 'goals.acts.id': 1 });
      expect(await ids({ 'goals.acts.id': { $in: ['c'] } })).toEqual([1]);
      expect(await ids({ 'goals.acts.id': { $in: ['b', 'z'] } })).toEqual([1, 2]);
      expect(await ids({ 'goals.acts.id': 'c' })).toEqual([1]);
      expect(await ids({ 'goals.acts.id': { $nin: ['a'] } })).toEqual([2]);
    }
  });
});
