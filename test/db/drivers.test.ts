import mongoose from 'mongoose';
import { EmbeddedMongo, startEmbeddedMongo } from '../../src/db/embedded';

// ltijs pins mongoose 7 (MongoDB driver 5); the app uses mongoose 8 (driver 6). Both must work unchanged.
const mongoose7: typeof mongoose = require('ltijs/node_modules/mongoose');

let server: EmbeddedMongo;

beforeAll(async () => {
  server = await startEmbeddedMongo();
});

afterAll(async () => {
  await server.stop();
});

describe.each([
  ['mongoose 8 / driver 6', mongoose],
  ['mongoose 7 / driver 5 (ltijs)', mongoose7],
])('%s against the embedded server', (label, m) => {
  let conn: mongoose.Connection;
  const dbName = `drivers_${label.split(' ')[1]}`;

  beforeAll(async () => {
    conn = await m.createConnection(`${server.uri}${dbName}`, { serverSelectionTimeoutMS: 5000 }).asPromise();
  });

  afterAll(async () => {
    await conn.close();
  });

  const schema = new m.Schema({ name: { type: String, unique: true }, n: Number, tags: [String] });

  it('creates, reads, updates and deletes documents', async () => {
    const User = conn.model('CrudUser', schema);
    await User.init();
    const created = await User.create({ name: 'ada', n: 1, tags: ['x'] });
    expect(created._id).toBeDefined();

    const found = await User.findById(created._id).lean();
    expect(found).toMatchObject({ name: 'ada', n: 1, tags: ['x'] });

    const res = await User.updateOne({ name: 'ada' }, { $inc: { n: 2 }, $push: { tags: 'y' } });
    expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await User.findOne({ name: 'ada' }).lean()).toMatchObject({ n: 3, tags: ['x', 'y'] });

    const upserted = await User.findOneAndUpdate({ name: 'bob' }, { $setOnInsert: { n: 7 } }, { upsert: true, new: true }).lean();
    expect(upserted).toMatchObject({ name: 'bob', n: 7 });
    expect(await User.countDocuments()).toBe(2);
    expect(await User.estimatedDocumentCount()).toBe(2);
    expect((await User.find().sort({ name: -1 }).lean()).map((u) => u.name)).toEqual(['bob', 'ada']);

    expect((await User.deleteOne({ name: 'ada' })).deletedCount).toBe(1);
    expect(await User.find().lean()).toHaveLength(1);
  });

  it('creates TTL indexes from `expires` and upserts by replacement, as ltijs does', async () => {
    const Token = conn.model('Token', new m.Schema({ iss: String, createdAt: { type: Date, expires: 3600, default: Date.now } }));
    await Token.init();
    const ttl = (await Token.listIndexes()).find((i: { name: string }) => i.name === 'createdAt_1');
    expect(ttl).toMatchObject({ key: { createdAt: 1 }, expireAfterSeconds: 3600 });
    await Token.replaceOne({ iss: 'a' }, { iss: 'a', createdAt: new Date() }, { upsert: true });
    await Token.replaceOne({ iss: 'a' }, { iss: 'a', createdAt: new Date() }, { upsert: true });
    expect(await Token.countDocuments({ iss: 'a' })).toBe(1);
  });

  it('reports unique index violations as MongoServerError code 11000', async () => {
    const User = conn.model('DupUser', schema);
    await User.init();
    await User.create({ name: 'x' });
    const err = await User.create({ name: 'x' }).then(
      () => undefined,
      (e: unknown) => e as { code: number; keyValue: unknown; message: string; name: string },
    );
    expect(err).toBeDefined();
    expect(err!.name).toBe('MongoServerError');
    expect(err!.code).toBe(11000);
    expect(err!.keyValue).toEqual({ name: 'x' });
    expect(err!.message).toBe(`E11000 duplicate key error collection: ${dbName}.dupusers index: name_1 dup key: { name: "x" }`);
  });
});
