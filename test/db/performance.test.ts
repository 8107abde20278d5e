import mongoose from 'mongoose';
import { EmbeddedMongo, startEmbeddedMongo } from '../../src/db/embedded';

let server: EmbeddedMongo;
let conn: mongoose.Connection;

beforeAll(async () => {
  server = await startEmbeddedMongo();
  conn = await mongoose.createConnection(`${server.uri}perf`).asPromise();
});

afterAll(async () => {
  await conn.close();
  await server.stop();
});

// A sanity bound, not a benchmark: index maintenance and lookups must not degrade with collection size.
it('handles 10,000 mongoose inserts and 10,000 indexed finds within seconds', async () => {
  const Item = conn.model('Item', new mongoose.Schema({ key: { type: String, unique: true }, n: Number, tenant: { type: String, index: true } }));
  await Item.init();
  const started = Date.now();
  for (let i = 0; i < 10000; i++) await Item.create({ key: `k${i}`, n: i, tenant: `t${i % 50}` });
  for (let i = 0; i < 10000; i++) {
    const doc = await Item.findOne({ key: `k${(i * 7919) % 10000}` }).lean();
    expect(doc!.n).toBe((i * 7919) % 10000);
  }
  const elapsed = Date.now() - started;
  expect(elapsed).toBeLessThan(20000);
  expect(await Item.countDocuments({ tenant: 't7' })).toBe(200);
}, 60000);
