import { MongoClient } from 'mongodb';
import { EmbeddedMongo, startEmbeddedMongo } from '../../src/db/embedded';

let server: EmbeddedMongo;
let client: MongoClient;

beforeAll(async () => {
  server = await startEmbeddedMongo();
  client = await MongoClient.connect(server.uri);
});

afterAll(async () => {
  await client.close();
  await server.stop();
});

const counts = async () => (await client.db('admin').command({ serverStatus: 1 })).metrics.commands as Record<string, { total: number; failed: number }>;

describe('serverStatus metrics.commands (how the bench counts round trips)', () => {
  it('counts each command a client sends, by name, and the ones that failed', async () => {
    const before = await counts();
    const people = client.db('counting').collection('people');
    await people.insertOne({ _id: 1 as never, name: 'Maya' });
    await people.findOne({ name: 'Maya' });
    await people.findOne({ name: 'Jordan' });
    await expect(people.insertOne({ _id: 1 as never, name: 'again' })).rejects.toThrow(/duplicate key/);
    const after = await counts();
    expect(after.find.total - (before.find?.total ?? 0)).toBe(2);
    expect(after.insert.total - (before.insert?.total ?? 0)).toBe(2);
    expect(after.insert.failed - (before.insert?.failed ?? 0)).toBe(0);
  });

  it('counts a command the server refuses as failed', async () => {
    const before = await counts();
    await expect(client.db('counting').command({ find: '' })).rejects.toThrow();
    const after = await counts();
    expect(after.find.failed - (before.find?.failed ?? 0)).toBe(1);
  });
});
