import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Decimal128, Double, Long } from 'bson';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '../../src/db/embedded';
import { AnyDoc } from './conformance/context';

let dirs: string[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-mongo-'));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

async function withClient<T>(uri: string, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = await MongoClient.connect(`${uri}app`);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

describe('embedded server persistence', () => {
  it('keeps collections, documents, number types and indexes across restarts', async () => {
    const dataDir = tempDir();
    let server = await startEmbeddedMongo({ dataDir });
    await withClient(server.uri, async (client) => {
      const users = client.db().collection<AnyDoc>('users');
      await users.createIndex({ email: 1 }, { unique: true });
      await users.insertMany([
        { _id: 1, email: 'a', n: new Double(2), big: Long.fromString('9007199254740993'), dec: Decimal128.fromString('0.10') },
        { _id: 2, email: 'b' },
        { _id: 3, email: 'c' },
      ]);
      await users.updateOne({ _id: 2 }, { $set: { email: 'bb' } });
      await users.deleteOne({ _id: 3 });
      await client.db().collection('empty').createIndex({ x: 1 });
    });
    await server.stop();

    server = await startEmbeddedMongo({ dataDir });
    await withClient(server.uri, async (client) => {
      const users = client.db().collection<AnyDoc>('users');
      expect(await users.find({}, { projection: { email: 1 } }).sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, email: 'a' },
        { _id: 2, email: 'bb' },
      ]);
      const first = await users.findOne({ _id: 1 }, { promoteValues: false });
      expect([first!.n._bsontype, first!.big.toString(), first!.dec.toString()]).toEqual(['Double', '9007199254740993', '0.10']);
      expect((await users.insertOne({ email: 'a' }).catch((e: { code: number }) => e)) as { code: number }).toMatchObject({ code: 11000 });
      const collections = (await client.db().listCollections().toArray()).map((c) => c.name).sort();
      expect(collections).toEqual(['empty', 'users']);
      expect((await client.db().collection('empty').listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'x_1']);
    });
    await server.stop();
  });

  it('replays the operation log and ignores a torn final record', async () => {
    const dataDir = tempDir();
    const server = await startEmbeddedMongo({ dataDir });
    await withClient(server.uri, async (client) => {
      await client.db().collection<AnyDoc>('log').insertMany([{ _id: 1 }, { _id: 2 }]);
    });
    // simulate a crash: copy the files as they are while running, then append half a record
    const crashed = tempDir();
    for (const f of fs.readdirSync(dataDir)) if (f !== 'mongod.lock') fs.copyFileSync(path.join(dataDir, f), path.join(crashed, f));
    await server.stop();
    const oplog = path.join(crashed, 'oplog.bson');
    expect(fs.statSync(oplog).size).toBeGreaterThan(0);
    fs.appendFileSync(oplog, Buffer.from([0x40, 0, 0, 0, 0x10, 0x61]));

    const restarted = await startEmbeddedMongo({ dataDir: crashed });
    await withClient(restarted.uri, async (client) => {
      expect(await client.db().collection<AnyDoc>('log').countDocuments()).toBe(2);
      await client.db().collection<AnyDoc>('log').insertOne({ _id: 3 });
    });
    await restarted.stop();
    const again = await startEmbeddedMongo({ dataDir: crashed });
    await withClient(again.uri, async (client) => {
      expect(await client.db().collection<AnyDoc>('log').countDocuments()).toBe(3);
    });
    await again.stop();
  });

  it('refuses a data directory that another live server holds and takes over a stale lock', async () => {
    const dataDir = tempDir();
    const server = await startEmbeddedMongo({ dataDir });
    await expect(startEmbeddedMongo({ dataDir })).rejects.toThrow(/in use/);
    await server.stop();

    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    fs.writeFileSync(path.join(dataDir, 'mongod.lock'), dead.stdout.toString());
    const warnings: object[] = [];
    const next = await startEmbeddedMongo({ dataDir, logger: { info: () => undefined, warn: (o) => warnings.push(o) } });
    expect(warnings).toHaveLength(1);
    await next.stop();
  });

  it('keeps every acknowledged write when the process is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['-r', path.join(__dirname, '../support/swc-register.js'), path.join(__dirname, 'fixtures/writer.ts'), dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acked = -1;
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const l of lines) acked = Number(l);
        if (acked >= 300) child.kill('SIGKILL');
      });
    });
    expect(acked).toBeGreaterThanOrEqual(300);

    const server = await startEmbeddedMongo({ dataDir });
    await withClient(server.uri, async (client) => {
      const coll = client.db('crash').collection<{ _id: number; payload: string }>('acks');
      const ids = (await coll.find({ _id: { $lte: acked } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
      expect(ids).toHaveLength(acked + 1);
      expect(await coll.findOne({ _id: 3 })).toEqual({ _id: 3, payload: 'u3' });
      expect((await coll.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'payload_1']);
    });
    await server.stop();
  });
});
