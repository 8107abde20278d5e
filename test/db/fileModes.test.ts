import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { config, loadMasterSecret } from '../../src/config';
import { startDatabase } from '../../src/db/connection';
import { startEmbeddedMongo } from '../../src/db/embedded';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pdp-modes-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const mode = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8);

function modesIn(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, mode(path.join(dir, f))]));
}

test('a new data directory is 0700 and every file the server writes in it is 0600', async () => {
  const dir = path.join(root, 'fresh', 'db');
  const server = await startEmbeddedMongo({ dataDir: dir });
  const client = await MongoClient.connect(`${server.uri}modes`);
  await client.db().collection('plans').insertOne({ goal: 'read more' });
  await client.close();
  expect(mode(dir)).toBe('700');
  expect(modesIn(dir)).toEqual({ 'credential.json': '600', 'mongod.lock': '600', 'oplog.bson': '600' });
  await server.stop();
  expect(modesIn(dir)).toEqual({ 'credential.json': '600', 'oplog.bson': '600', 'snapshot.bson': '600' });
});

test('a world-readable data directory of an older version is tightened at start, its data and credential kept', async () => {
  const dir = path.join(root, 'old', 'db');
  const first = await startEmbeddedMongo({ dataDir: dir });
  const c1 = await MongoClient.connect(`${first.uri}modes`);
  await c1.db().collection('plans').insertOne({ goal: 'kept' });
  await c1.close();
  await first.stop();
  fs.chmodSync(dir, 0o755);
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);

  const second = await startEmbeddedMongo({ dataDir: dir });
  expect(mode(dir)).toBe('700');
  expect(Object.values(modesIn(dir)).every((m) => m === '600')).toBe(true);
  expect(second.credential).toEqual(first.credential);
  const c2 = await MongoClient.connect(`${second.uri}modes`);
  expect(await c2.db().collection('plans').countDocuments({ goal: 'kept' })).toBe(1);
  await c2.close();
  await second.stop();
});

test('the app writes data/db.server.json 0600, holding the port but not the credential', async () => {
  const dataDir = path.join(root, 'app', 'db');
  const cfg = { ...config(), db: { ...config().db, uri: '', tryMemoryServer: false, embedded: { ...config().db.embedded, dataDir } } };
  const db = await startDatabase(cfg);
  try {
    expect(mode(`${dataDir}.server.json`)).toBe('600');
    expect(fs.readFileSync(`${dataDir}.server.json`, 'utf8')).not.toContain(new URL(db.uri).password);
    const client = await MongoClient.connect(db.uri);
    expect(await client.db().command({ ping: 1 })).toMatchObject({ ok: 1 });
    await client.close();
  } finally {
    await db.stop();
  }
});

test('the development secrets file is created 0600 and an existing readable one is tightened', () => {
  const saved = process.env.APP_SECRET;
  delete process.env.APP_SECRET;
  try {
    const file = path.join(root, 'secrets', 'dev-secrets.json');
    const secret = loadMasterSecret('development', file);
    expect(mode(file)).toBe('600');
    fs.chmodSync(file, 0o644);
    expect(loadMasterSecret('development', file)).toBe(secret);
    expect(mode(file)).toBe('600');
  } finally {
    if (saved !== undefined) process.env.APP_SECRET = saved;
  }
});
