import mongoose from 'mongoose';
import { startEmbeddedMongo } from '../src/db/embedded';

const LOOKUPS = 5000;
const ItemSchema = new mongoose.Schema({ key: { type: String, unique: true }, n: Number });
type ItemModel = mongoose.Model<mongoose.InferSchemaType<typeof ItemSchema>>;

async function timeLookups(model: ItemModel, size: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < LOOKUPS; i++) await model.findOne({ key: `k${(i * 7919) % size}` }).lean();
  return (performance.now() - started) / LOOKUPS;
}

async function fill(model: ItemModel, from: number, to: number): Promise<number> {
  const started = performance.now();
  for (let i = from; i < to; i++) await model.create({ key: `k${i}`, n: i });
  return (performance.now() - started) / (to - from);
}

/**
 * The embedded database's indexes must keep lookups and inserts flat as collections grow: the cost per
 * indexed findOne and per insert at 10,000 documents, against the same at 100 documents (ratio ≈ 1).
 */
export async function embeddedDbBench(): Promise<void> {
  const server = await startEmbeddedMongo();
  const conn = await mongoose.createConnection(`${server.uri}bench`).asPromise();
  try {
    const Warmup: ItemModel = conn.model('Warmup', ItemSchema);
    await Warmup.init();
    await fill(Warmup, 0, 500);
    await timeLookups(Warmup, 500);
    const Item: ItemModel = conn.model('Item', ItemSchema);
    await Item.init();
    const insertSmall = await fill(Item, 0, 100);
    const findSmall = await timeLookups(Item, 100);
    const insertLarge = await fill(Item, 100, 10000);
    const findLarge = await timeLookups(Item, 10000);
    console.log('embedded database: mongoose round trips through the wire protocol, unique index on key');
    console.log(`  insert   ${insertSmall.toFixed(3)} ms at 100 docs, ${insertLarge.toFixed(3)} ms up to 10,000 docs   ratio ${(insertLarge / insertSmall).toFixed(2)}x`);
    console.log(`  findOne  ${findSmall.toFixed(3)} ms at 100 docs, ${findLarge.toFixed(3)} ms at 10,000 docs          ratio ${(findLarge / findSmall).toFixed(2)}x   goal <= 1.5x`);
  } finally {
    await conn.close();
    await server.stop();
  }
}
