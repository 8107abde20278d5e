import mongoose from 'mongoose';
import { ObjectId } from 'bson';
import type { Db } from 'mongodb';
import { AnyDoc } from './conformance/context';
import { Catalog } from '../../src/db/embedded/catalog';
import { runCommand } from '../../src/db/embedded/commands';
import { ServerState } from '../../src/db/embedded/commands/context';
import { CursorRegistry } from '../../src/db/embedded/cursors';
import { Doc, fromWire } from '../../src/db/embedded/values';
import { DbServer, dbTargets } from './targets';

const plan = (id: number): Doc => ({
  _id: id,
  tenant: 't1',
  status: 'submitted',
  goals: [
    { title: `goal ${id}a`, reflections: [{ text: 'private thought', at: new Date(0) }], feedback: [{ text: 'coach note' }], tags: ['x'] },
    { title: `goal ${id}b`, reflections: [], feedback: [{ text: 'second note' }] },
  ],
});

describe.each(dbTargets())('reads never change stored documents: $name', (target) => {
  let server: DbServer;
  let conn: mongoose.Connection;
  let db: Db;
  let n = 0;
  const fresh = async () => {
    const c = db.collection<AnyDoc>(`iso${++n}`);
    await c.insertMany([plan(1), plan(2), plan(3)]);
    return c;
  };

  beforeAll(async () => {
    server = await target.start();
    conn = await mongoose.createConnection(`${server.uri}iso_${process.pid}_${Date.now()}`, { serverSelectionTimeoutMS: 5000 }).asPromise();
    db = conn.db!;
  });
  afterAll(async () => {
    await db?.dropDatabase();
    await conn?.close();
    await server?.stop();
  });

  it('a nested exclusion projection leaves reflections and feedback in storage', async () => {
    const c = await fresh();
    const projected = await c.find({ tenant: 't1' }, { projection: { 'goals.reflections': 0, 'goals.feedback': 0 } }).toArray();
    expect(projected[0].goals[0]).toEqual({ title: 'goal 1a', tags: ['x'] });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([plan(1), plan(2), plan(3)]);
  });

  it('the same projection through mongoose lean (as the PD staff console runs it) loses nothing', async () => {
    const c = await fresh();
    const Model = conn.model(`Iso${n}`, new mongoose.Schema({}, { strict: false }), c.collectionName);
    await Model.find({ tenant: 't1', status: { $in: ['submitted'] } }, { 'goals.reflections': 0, 'goals.feedback': 0 }).sort({ _id: 1 }).lean();
    await Model.find({ tenant: 't1' }, { 'goals.reflections': 0 }).lean();
    const after = await Model.find().sort({ _id: 1 }).lean<Doc[]>();
    expect(after.map((p) => (p.goals as Doc[]).map((g) => [(g.reflections as unknown[]).length, (g.feedback as unknown[]).length]))).toEqual([[[1, 1], [0, 1]], [[1, 1], [0, 1]], [[1, 1], [0, 1]]]);
  });

  it('projections of every kind, cursors, aggregations and findAndModify leave storage as it was', async () => {
    const c = await fresh();
    await c.find({}, { projection: { 'goals.title': 1 } }).toArray();
    await c.find({}, { projection: { goals: { $slice: 1 } } }).toArray();
    await c.find({ 'goals.title': 'goal 2a' }, { projection: { 'goals.$': 1 } }).toArray();
    await c.find({}, { projection: { goals: { $elemMatch: { title: 'goal 3b' } } } }).toArray();
    await c.find({}, { batchSize: 1 }).project({ 'goals.feedback': 0 }).toArray();
    await c.aggregate([{ $unwind: '$goals' }, { $project: { 'goals.reflections': 0 } }, { $set: { 'goals.title': 'changed' } }]).toArray();
    await c.aggregate([{ $lookup: { from: c.collectionName, localField: '_id', foreignField: '_id', as: 'self' } }, { $unset: 'self.goals' }]).toArray();
    await c.findOneAndUpdate({ _id: 1 }, { $set: { seen: true } }, { projection: { 'goals.feedback': 0 } });
    await c.findOneAndUpdate({ _id: 1 }, { $unset: { seen: '' } }, { projection: { 'goals.reflections': 0 }, returnDocument: 'after' });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([plan(1), plan(2), plan(3)]);
  });
});

/** In-process: the objects a command hands back are the caller's own, never storage's (nor its indexes'). */
describe('command results share no objects with storage', () => {
  let state: ServerState;
  const run = (cmd: Doc): Doc => {
    const reply = runCommand({ db: 'app', cmd, state, connectionId: 1 });
    if (reply.ok !== 1) throw new Error(String(reply.errmsg));
    return reply;
  };
  const all = (): Doc[] => (run({ find: 'plans', sort: { _id: 1 } }).cursor as Doc).firstBatch as Doc[];
  const scribble = (docs: Doc[]): void => {
    for (const d of docs) {
      for (const g of (d.goals as Doc[] | undefined) ?? []) {
        (g.reflections as unknown[] | undefined)?.splice(0);
        g.title = 'scribbled';
      }
      for (const k of Object.keys(d)) if (k !== '_id') delete d[k];
      d.extra = true;
    }
  };

  beforeEach(() => {
    state = { catalog: new Catalog(), cursors: new CursorRegistry(60000), parameters: { cursorTimeoutMillis: 60000, ttlMonitorSleepSecs: 1 }, startedAt: new Date(), commandCounts: new Map() };
    run({ createIndexes: 'plans', indexes: [{ key: { tenant: 1, status: 1 }, name: 'tenant_status' }, { key: { 'goals.title': 1 }, name: 'titles' }] });
    run({ insert: 'plans', documents: [plan(1), plan(2), plan(3)] });
  });
  afterEach(() => state.cursors.close());

  it('inserted and updating values stay the caller’s: changing them afterwards changes nothing stored', () => {
    const mine = plan(4);
    const setTo = { text: 'new reflection', at: new Date(5) };
    run({ insert: 'plans', documents: [mine] });
    run({ update: 'plans', updates: [{ q: { _id: 1 }, u: { $push: { 'goals.0.reflections': setTo } } }] });
    scribble([mine]);
    setTo.text = 'changed later';
    setTo.at.setTime(99);
    expect(all()[3]).toEqual(plan(4));
    expect((all()[0].goals as Doc[])[0].reflections).toEqual([{ text: 'private thought', at: new Date(0) }, { text: 'new reflection', at: new Date(5) }]);
  });

  it('find batches, getMore batches and projected documents can be changed without touching storage', () => {
    const first = run({ find: 'plans', filter: { tenant: 't1', status: 'submitted' }, batchSize: 1 }).cursor as Doc;
    scribble(first.firstBatch as Doc[]);
    // commands arrive in query form (numbers as JS numbers, exact types in hints), as the wire parser makes them
    const more = run(fromWire({ getMore: first.id, collection: 'plans' }) as Doc).cursor as Doc;
    scribble(more.nextBatch as Doc[]);
    scribble((run({ find: 'plans', projection: { 'goals.feedback': 0 } }).cursor as Doc).firstBatch as Doc[]);
    scribble((run({ find: 'plans', filter: { 'goals.title': 'goal 2a' }, projection: { goals: { $slice: 1 } } }).cursor as Doc).firstBatch as Doc[]);
    const dates = all().map((d) => ((d.goals as Doc[])[0].reflections as Doc[])[0].at as Date);
    dates.forEach((at) => at.setTime(12345));
    expect(all()).toEqual([plan(1), plan(2), plan(3)]);
  });

  it('aggregate output, $lookup results and findAndModify values are fresh objects', () => {
    scribble((run({ aggregate: 'plans', pipeline: [{ $match: { tenant: 't1' } }], cursor: {} }).cursor as Doc).firstBatch as Doc[]);
    scribble(
      ((run({ aggregate: 'plans', pipeline: [{ $lookup: { from: 'plans', localField: '_id', foreignField: '_id', as: 'self' } }], cursor: {} }).cursor as Doc).firstBatch as Doc[]).flatMap(
        (d) => d.self as Doc[],
      ),
    );
    // read-only stages run on the stored documents; what they hand on ($$ROOT, whole goals) is copied
    const batch = (pipeline: Doc[]) => (run({ aggregate: 'plans', pipeline, cursor: {} }).cursor as Doc).firstBatch as Doc[];
    scribble(batch([{ $match: { tenant: 't1' } }, { $group: { _id: '$tenant', plans: { $push: '$$ROOT' } } }]).flatMap((g) => g.plans as Doc[]));
    scribble(batch([{ $unwind: '$goals' }, { $project: { goals: 1 } }]).map((d) => ({ goals: [d.goals] }) as Doc));
    scribble(batch([{ $match: { tenant: 't1' } }, { $sort: { _id: -1 } }, { $limit: 2 }]));
    scribble(batch([{ $unwind: '$goals' }, { $group: { _id: null, first: { $first: '$goals' } } }, { $set: { 'first.title': 'set after' } }]).map((g) => ({ goals: [g.first] }) as Doc));
    expect(() => batch([{ $unwind: { path: '$goals', includeArrayIndex: 'i' } }, { $set: { 'goals.title': 'x' } }])).not.toThrow();
    scribble([run({ findAndModify: 'plans', query: { _id: 2 }, update: { $set: { status: 'submitted' } } }).value as Doc]);
    scribble([run({ findAndModify: 'plans', query: { _id: 2 }, update: { $set: { status: 'submitted' } }, new: true }).value as Doc]);
    expect(all()).toEqual([plan(1), plan(2), plan(3)]);
    const removed = run({ findAndModify: 'plans', query: { _id: 3 }, remove: true }).value as Doc;
    scribble([removed]);
    expect(all()).toEqual([plan(1), plan(2)]);
  });

  it('distinct values, index specs and collection options handed out cannot reach back into the catalog', () => {
    run({ create: 'opts', validator: { a: { $type: 'string' } } });
    const values = run({ distinct: 'plans', key: 'goals.reflections' }).values as Doc[];
    values.forEach((v) => (v.text = 'changed'));
    const specs = (run({ listIndexes: 'plans' }).cursor as Doc).firstBatch as Doc[];
    specs.forEach((s) => ((s.key as Doc).tenant = -1));
    const infos = (run({ listCollections: 1, filter: { name: 'opts' } }).cursor as Doc).firstBatch as Doc[];
    (infos[0].options as Doc).validator = {};
    expect(all()).toEqual([plan(1), plan(2), plan(3)]);
    expect(((run({ listIndexes: 'plans' }).cursor as Doc).firstBatch as Doc[])[1].key).toEqual({ tenant: 1, status: 1 });
    expect((((run({ listCollections: 1, filter: { name: 'opts' } }).cursor as Doc).firstBatch as Doc[])[0].options as Doc).validator).toEqual({ a: { $type: 'string' } });
    expect((run({ find: 'plans', filter: { tenant: 't1', status: 'submitted', 'goals.title': 'goal 1a' } }).cursor as Doc).firstBatch).toEqual([plan(1)]);
  });

  it('an object _id and an upserted document stay intact after the reply is changed', () => {
    const id = { school: 'north', n: new ObjectId('64b000000000000000000001') };
    const reply = run({ update: 'plans', updates: [{ q: { _id: id }, u: { $set: { tenant: 't2' } }, upsert: true }] });
    ((reply.upserted as Doc[])[0]._id as Doc).school = 'south';
    id.school = 'west';
    expect((run({ find: 'plans', filter: { tenant: 't2' } }).cursor as Doc).firstBatch).toEqual([{ _id: { school: 'north', n: new ObjectId('64b000000000000000000001') }, tenant: 't2' }]);
  });
});
